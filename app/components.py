"""Shared page pieces: tables with CSV export and record drill-down, metric help, tiles."""

from __future__ import annotations

from typing import Any

import streamlit as st

from app.csv_export import csv_bytes, machine_readable
from app.navigation import RECORD_PAGE
from app.queries.core import Frame


def help_line(text: str) -> None:
    """The one-line explanation under a metric or chart."""
    st.caption(text)


def data_table(
    frame: Frame,
    key: str,
    *,
    empty: str,
    drill: tuple[str, str] | None = ("system", "external_id"),
    view: Frame | None = None,
    column_config: dict[str, Any] | None = None,
) -> None:
    """A table with a CSV download; selecting a row opens that record (``drill`` columns).

    ``view`` is what people read (built row for row from ``frame``, labelled by
    ``column_config``); the CSV keeps ``frame`` machine-readable: decimal amounts beside their
    currency, ISO 8601 instants, full ids.
    """
    if frame is None or len(frame) == 0:
        st.info(empty, icon=":material/check_circle:")
        return
    selectable = drill is not None and all(c in frame.columns for c in drill)
    event = st.dataframe(
        frame if view is None else view,
        key=f"{key}.table",
        hide_index=True,
        width="stretch",
        column_config=column_config,
        on_select="rerun" if selectable else "ignore",
        selection_mode="single-row",
    )
    st.download_button(
        "Download CSV",
        csv_bytes(machine_readable(frame)),
        file_name=f"{key}.csv",
        mime="text/csv",
        key=f"{key}.csv",
        icon=":material/download:",
    )
    if selectable and drill is not None and event is not None:
        rows = list(event.selection.rows) if hasattr(event, "selection") else []
        if rows:
            row = frame.iloc[rows[0]]
            open_record(str(row[drill[0]]), str(row[drill[1]]))


def open_record(system: str, record_id: str) -> None:
    """Switch to the record view of ``system``/``record_id``."""
    st.switch_page(RECORD_PAGE, query_params={"system": system, "id": record_id})


def delta_text(value: float | None, prior: float | None, *, percent: bool = False) -> str | None:
    """Week-over-week change as tile text (None without a week-old value)."""
    if value is None or prior is None:
        return None
    change = value - prior
    if percent:
        return f"{change * 100:+.1f} pts vs last week"
    return f"{change:+,.0f} vs last week"


def tile(
    column: Any,
    label: str,
    frame: Frame,
    names: list[str],
    help_text: str,
    *,
    mean: bool = False,
) -> None:
    """A KPI tile: latest value (summed over labels, or averaged) with its weekly change."""
    rows = frame[frame["name"].isin(names)] if len(frame) else frame
    if len(rows) == 0:
        column.metric(label, "—", help=help_text)
        return
    values = rows["value"].astype(float)
    priors = rows["prior"]
    value = float(values.mean() if mean else values.sum())
    prior = None
    if priors.notna().all():
        prior = float(priors.astype(float).mean() if mean else priors.astype(float).sum())
    shown = f"{value:.1%}" if mean else f"{value:,.0f}"
    delta = delta_text(value, prior, percent=mean)
    unchanged = prior is not None and round(value - prior, 4) == 0
    column.metric(
        label,
        shown,
        delta="no change vs last week" if unchanged else delta,
        delta_color="off" if unchanged else ("normal" if mean else "inverse"),
        delta_arrow="off" if unchanged else "auto",
        help=help_text,
    )
