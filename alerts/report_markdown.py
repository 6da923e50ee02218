"""The weekly report message as Markdown (the dashboard page and ``report weekly --format md``)."""

from __future__ import annotations

import re
from collections.abc import Callable

from alerts.messages import ReportMessage

# Characters that start Markdown syntax (emphasis, links, images, HTML, code, headings, tables).
_SYNTAX = re.compile(r"([\\`*_\[\]<>!|#~])")


def escape(text: str) -> str:
    """``text`` as Markdown that reads as the text: syntax characters escaped, on one line."""
    return _SYNTAX.sub(r"\\\1", " ".join(text.split()))


def to_markdown(message: ReportMessage, text: Callable[[str], str] = escape) -> str:
    """The report message as Markdown; every text from the report passes through ``text``.

    Labels carry names and ids that came from the source systems, so they are never trusted as
    Markdown: the default escapes syntax characters, and a page that autolinks bare addresses
    passes a stricter function.
    """
    out = [f"# {text(message.title)} — {text(message.period)}", "", text(message.headline)]
    for section in message.sections:
        out += ["", f"## {text(section.title)}", ""]
        if not section.lines:
            out.append("_Nothing to report._")
            continue
        out += ["| | value | change |", "|---|---|---|"]
        for line in section.lines:
            cells = [line.label, line.value, line.change or ""]
            out.append("| " + " | ".join(text(c) for c in cells) + " |")
    out += ["", f"[Open the dashboard](<{message.dashboard_url}>)", ""]
    return "\n".join(out)
