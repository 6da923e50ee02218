"""The weekly report message as a standalone HTML page (``report weekly --format html``).

Every text is escaped: names and ids come from the source systems.
"""

from __future__ import annotations

import html

from alerts.messages import ReportMessage, ReportSection, ReportTable

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;color:#1f2328}"
    "table{border-collapse:collapse;margin-bottom:1rem}"
    "th,td{border-bottom:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;"
    "vertical-align:top}"
    ".note{color:#59636e}.previous td{color:#59636e;font-size:.9em;font-style:italic}"
)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _lines(section: ReportSection) -> list[str]:
    out = ["<table><thead><tr><th></th><th>value</th><th>change</th></tr></thead><tbody>"]
    for line in section.lines:
        out.append(
            f"<tr><td>{_e(line.label)}</td><td>{_e(line.value)}</td>"
            f"<td>{_e(line.change or '')}</td></tr>"
        )
    out.append("</tbody></table>")
    return out


def _table(table: ReportTable) -> list[str]:
    """The table, last week's figures (where given) on a quieter row under each row."""
    head = "".join(f"<th>{_e(c)}</th>" for c in table.columns)
    out = [f"<table><thead><tr>{head}</tr></thead><tbody>"]
    for row in table.rows:
        cells = "".join(f"<td>{_e(f.value)}</td>" for f in row.figures)
        out.append(f"<tr><td>{_e(row.label)}</td>{cells}</tr>")
        if any(f.previous is not None for f in row.figures):
            before = "".join(f"<td>{_e(f.previous or '')}</td>" for f in row.figures)
            out.append(f'<tr class="previous"><td>last week</td>{before}</tr>')
    out.append("</tbody></table>")
    return out


def to_html(message: ReportMessage) -> str:
    """The report message as a standalone HTML page."""
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(message.title)} {_e(message.period)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{_e(message.title)} — {_e(message.period)}</h1>",
        f"<p>{_e(message.headline)}</p>",
    ]
    for section in message.sections:
        out.append(f"<h2>{_e(section.title)}</h2>")
        if isinstance(section, ReportTable) and section.note:
            out.append(f'<p class="note">{_e(section.note)}</p>')
        if not (section.lines if isinstance(section, ReportSection) else section.rows):
            out.append("<p><em>Nothing to report.</em></p>")
        elif isinstance(section, ReportSection):
            out += _lines(section)
        else:
            out += _table(section)
    out.append(f'<p><a href="{_e(message.dashboard_url)}">Open the dashboard</a></p>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"
