"""The weekly report message as Markdown (the dashboard page and ``report weekly --format md``)."""

from __future__ import annotations

from alerts.messages import ReportMessage


def to_markdown(message: ReportMessage) -> str:
    """The report message as Markdown."""
    out = [f"# {message.title} — {message.period}", "", message.headline]
    for section in message.sections:
        out += ["", f"## {section.title}", ""]
        if not section.lines:
            out.append("_Nothing to report._")
            continue
        out += ["| | value | change |", "|---|---|---|"]
        for line in section.lines:
            cells = [line.label, line.value, line.change or ""]
            out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    out += ["", f"[Open the dashboard]({message.dashboard_url})", ""]
    return "\n".join(out)
