"""The weekly report message as Slack Block Kit, within the limits alerts.slack keeps to.

A section of lines is one block; a table is its title, its note and a block per row whose
fields are the row's figures, last week's beneath this week's (Block Kit has no tables). What
does not fit in 50 blocks is cut visibly: "…and 4 more rows", "…and 2 more sections".
"""

from __future__ import annotations

from alerts.messages import ReportMessage, ReportSection, ReportTable
from alerts.slack import (
    MAX_BLOCKS,
    MAX_FALLBACK,
    MAX_FIELD_TEXT,
    MAX_FIELDS,
    MAX_SECTION_TEXT,
    Block,
    SlackPayload,
    _button,
    _context,
    _fit_lines,
    _header,
    _mrkdwn,
    _section,
    clip,
    escape,
)

# Blocks kept for the end: the "…and N more sections" note, the divider and the button.
_TAIL_BLOCKS = 3


def report_text(message: ReportMessage) -> str:
    """The report as plain searchable text: the fallback Slack indexes and notifications show."""
    parts = [f"{message.title} ({message.period})", message.headline]
    for section in message.sections:
        parts.append(f"\n{section.title}")
        if isinstance(section, ReportSection):
            for line in section.lines:
                change = f" ({line.change})" if line.change else ""
                parts.append(f"- {line.label}: {line.value}{change}")
            continue
        for row in section.rows:
            cells = []
            for column, figure in zip(section.columns[1:], row.figures, strict=True):
                before = f" (last week {figure.previous})" if figure.previous else ""
                cells.append(f"{column}: {figure.value}{before}")
            parts.append(f"- {row.label}: " + "; ".join(cells))
    return "\n".join(parts)


def _lines_block(section: ReportSection) -> Block:
    rows = []
    for line in section.lines:
        change = f" _({escape(line.change)})_" if line.change else ""
        rows.append(f"• {escape(line.label)}: *{escape(line.value)}*{change}")
    kept, dropped = _fit_lines(rows, MAX_SECTION_TEXT - len(section.title) - 10)
    if dropped:
        kept.append(f"…and {dropped} more")
    body = "\n".join(kept) or "_nothing to report_"
    return _section(f"*{escape(section.title)}*\n{body}")


def _row_block(table: ReportTable, index: int) -> Block:
    row = table.rows[index]
    fields = []
    for column, figure in zip(table.columns[1:], row.figures, strict=True):
        text = f"*{escape(column)}*\n{escape(figure.value)}"
        if figure.previous is not None:
            text += f"\n_last week {escape(figure.previous)}_"
        fields.append(_mrkdwn(clip(text, MAX_FIELD_TEXT)))
    block = _section(f"*{escape(row.label)}*")
    if fields:
        block["fields"] = fields[:MAX_FIELDS]
    return block


def _table_blocks(table: ReportTable, room: int) -> list[Block]:
    """The table's title, note and as many rows as ``room`` blocks allow (a note on the rest)."""
    title = f"*{escape(table.title)}*" + ("" if table.rows else "\n_nothing to report_")
    blocks = [_section(title)]
    if table.note:
        blocks.append(_context(escape(table.note)))
    shown = len(table.rows)
    if len(blocks) + shown > room:
        shown = max(room - len(blocks) - 1, 0)
    blocks += [_row_block(table, i) for i in range(shown)]
    if shown < len(table.rows):
        blocks.append(_context(f"…and {len(table.rows) - shown} more rows"))
    return blocks


def _blocks_wanted(section: ReportSection | ReportTable) -> int:
    if isinstance(section, ReportSection):
        return 1
    return 1 + (1 if section.note else 0) + len(section.rows)


def render_report(message: ReportMessage) -> SlackPayload:
    """The weekly report as Block Kit within Slack's limits."""
    blocks: list[Block] = [
        _header(f":bar_chart: {message.title}"),
        _context(f"Week {escape(message.period)}"),
        _section(escape(message.headline)),
    ]
    budget = MAX_BLOCKS - _TAIL_BLOCKS
    for index, section in enumerate(message.sections):
        # A table needs its title, its note and a row (or the note on its rows) to say anything.
        needed = 1 if isinstance(section, ReportSection) else 3
        if len(blocks) + needed > budget:
            blocks.append(_context(f"…and {len(message.sections) - index} more sections"))
            break
        if isinstance(section, ReportSection):
            blocks.append(_lines_block(section))
            continue
        # A long table gives way to the sections after it, so they are shown whole.
        later = sum(_blocks_wanted(s) for s in message.sections[index + 1 :])
        blocks += _table_blocks(section, max(budget - len(blocks) - later, needed))
    blocks.append({"type": "divider"})
    blocks.append(
        {
            "type": "actions",
            "elements": [_button("Open the KPI dashboard", message.dashboard_url, "open_report")],
        }
    )
    return SlackPayload(text=clip(escape(report_text(message)), MAX_FALLBACK), blocks=blocks)
