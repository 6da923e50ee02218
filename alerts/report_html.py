"""The weekly report message as a standalone HTML page (``report weekly --format html``)."""

from __future__ import annotations

import html

from alerts.messages import ReportMessage


def to_html(message: ReportMessage) -> str:
    """The report message as a standalone HTML page."""
    e = html.escape
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(message.title)} {e(message.period)}</title></head><body>",
        f"<h1>{e(message.title)} — {e(message.period)}</h1>",
        f"<p>{e(message.headline)}</p>",
    ]
    for section in message.sections:
        out.append(f"<h2>{e(section.title)}</h2>")
        if not section.lines:
            out.append("<p><em>Nothing to report.</em></p>")
            continue
        out.append("<table><thead><tr><th></th><th>value</th><th>change</th></tr></thead><tbody>")
        for line in section.lines:
            out.append(
                f"<tr><td>{e(line.label)}</td><td>{e(line.value)}</td>"
                f"<td>{e(line.change or '')}</td></tr>"
            )
        out.append("</tbody></table>")
    out.append(f'<p><a href="{e(message.dashboard_url)}">Open the dashboard</a></p>')
    out.append("</body></html>")
    return "\n".join(out) + "\n"
