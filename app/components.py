"""Shared page pieces: tables with CSV export and record drill-down, metric help."""

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
