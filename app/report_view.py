"""The weekly report message on the dashboard: its headline, then each section as a table.

A sibling of the Slack, Markdown and HTML renderers. Every text of the report is shown as text
(app.text.plain), since names and ids come from the source systems; last week's figures sit in
grey italics on a row under this week's.
"""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from alerts.messages import ReportMessage, ReportSection, ReportTable
from app.queries.core import Frame
from app.text import plain

_LAST_WEEK = "last week"


def _quiet(text: str) -> str:
    """Text set apart in grey italics (the text itself stays inert)."""
    return f":gray[*{plain(text)}*]" if text else ""


def _lines_frame(section: ReportSection) -> Frame:
    return pd.DataFrame(
        [[plain(ln.label), plain(ln.value), _quiet(ln.change or "")] for ln in section.lines],
        columns=["", "value", "change"],
    )


def _table_frame(table: ReportTable) -> Frame:
    rows = []
    for row in table.rows:
        rows.append([plain(row.label), *(plain(f.value) for f in row.figures)])
        if any(f.previous is not None for f in row.figures):
            rows.append([_quiet(_LAST_WEEK), *(_quiet(f.previous or "") for f in row.figures)])
    return pd.DataFrame(rows, columns=[plain(c) for c in table.columns])


def show_report(message: ReportMessage) -> None:
    """Draw the report message: title, headline and every section."""
    st.markdown(f"##### {plain(message.title)} — {plain(message.period)}")
    st.markdown(plain(message.headline))
    for section in message.sections:
        st.markdown(f"**{plain(section.title)}**")
        if isinstance(section, ReportTable) and section.note:
            st.caption(plain(section.note))
        empty = not (section.lines if isinstance(section, ReportSection) else section.rows)
        if empty:
            st.caption("Nothing to report.")
        elif isinstance(section, ReportSection):
            st.table(_lines_frame(section), hide_index=True, hide_header=True, border="horizontal")
        else:
            st.table(_table_frame(section), hide_index=True, border="horizontal")
