"""The weekly report message as Markdown (``report weekly --format md`` and its download)."""

from __future__ import annotations

import re
from collections.abc import Callable

from alerts.messages import ReportMessage, ReportSection, ReportTable

# Characters that start Markdown syntax (emphasis, links, images, HTML, code, headings, tables).
_SYNTAX = re.compile(r"([\\`*_\[\]<>!|#~])")


def escape(text: str) -> str:
    """``text`` as Markdown that reads as the text: syntax characters escaped, on one line."""
    return _SYNTAX.sub(r"\\\1", " ".join(text.split()))


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _lines(section: ReportSection, text: Callable[[str], str]) -> list[str]:
    out = ["| | value | change |", "|---|---|---|"]
    for line in section.lines:
        out.append(_row([text(c) for c in (line.label, line.value, line.change or "")]))
    return out


def _table(table: ReportTable, text: Callable[[str], str]) -> list[str]:
    """The table, last week's figures (where given) in italics on a row under each row."""
    out = [_row([text(c) for c in table.columns]), "|" + "---|" * len(table.columns)]
    for row in table.rows:
        out.append(_row([text(row.label)] + [text(f.value) for f in row.figures]))
        if any(f.previous is not None for f in row.figures):
            previous = [f"_{text(f.previous)}_" if f.previous else "" for f in row.figures]
            out.append(_row(["_last week_", *previous]))
    return out


def to_markdown(message: ReportMessage, text: Callable[[str], str] = escape) -> str:
    """The report message as Markdown; every text from the report passes through ``text``.

    Labels carry names and ids that came from the source systems, so they are never trusted as
    Markdown: the default escapes syntax characters, and a page that autolinks bare addresses
    passes a stricter function.
    """
    out = [f"# {text(message.title)} — {text(message.period)}", "", text(message.headline)]
    for section in message.sections:
        out += ["", f"## {text(section.title)}", ""]
        if isinstance(section, ReportTable) and section.note:
            out += [text(section.note), ""]
        if not (section.lines if isinstance(section, ReportSection) else section.rows):
            out.append("_Nothing to report._")
        elif isinstance(section, ReportSection):
            out += _lines(section, text)
        else:
            out += _table(section, text)
    out += ["", f"[Open the dashboard](<{message.dashboard_url}>)", ""]
    return "\n".join(out)
