"""The one place messages become Slack Block Kit: alerts, thread replies and the weekly report.

Every payload stays inside Slack's published limits (50 blocks, 3000-character section text,
10 fields of 2000 characters, 150-character headers, a 4000-character fallback ``text``) by
truncating visibly ("…and 12 more flows") rather than letting Slack refuse the message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from alerts import slack_buttons as buttons
from alerts.messages import (
    Activity,
    AlertLine,
    AlertMessage,
    Message,
    Notice,
    RecordRef,
    ThreadReply,
)
from core.display import duration, metric_value, money
from metrics.label_words import labels_words

Block = dict[str, Any]

MAX_BLOCKS = 50
MAX_SECTION_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER = 150
MAX_FALLBACK = 4000
MAX_BUTTON_TEXT = 75
MAX_URL = 3000
TOP_RECORDS = 5
# Blocks after an alert's lines: the "…and N more" note, a divider, the context and the buttons
# (and one more when the message says what a person just did).
_ALERT_TAIL_BLOCKS = 4

_SEVERITY_EMOJI = {
    "critical": ":red_circle:",
    "warning": ":large_orange_circle:",
    "info": ":large_blue_circle:",
}
_STATE_PREFIX = {"firing": "", "updated": "", "resolved": "Resolved: ", "stale": "Stale data: "}
_PLURALS = {"flow": "flows", "system": "systems", "currency": "currencies", "quantile": "quantiles"}


@dataclass(frozen=True, slots=True)
class SlackPayload:
    """What chat.postMessage and chat.update take: the fallback text and the blocks."""

    text: str
    blocks: list[Block]

    def as_dict(self) -> dict[str, Any]:
        """The payload as plain JSON (golden files and dry-run logs)."""
        return {"text": self.text, "blocks": self.blocks}


def render(message: Message) -> SlackPayload:
    """Render any platform-neutral message to Block Kit within Slack's limits."""
    if isinstance(message, AlertMessage):
        return _render_alert(message)
    if isinstance(message, ThreadReply):
        return _render_reply(message)
    if isinstance(message, Notice):
        return _render_notice(message)
    # The report renderer builds on this module's Block Kit helpers, so it is imported here.
    from alerts.slack_report import render_report

    return render_report(message)


# ---------------------------------------------------------------------------------------------
# Text helpers


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: str) -> str:
    """Escape the three characters mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_date(instant: datetime) -> str:
    """A date Slack shows in the reader's zone, with a UTC fallback for old clients."""
    utc = instant.astimezone(UTC)
    return f"<!date^{int(utc.timestamp())}^{{date_short_pretty}} {{time}}|{utc:%Y-%m-%d %H:%M} UTC>"


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _section(text: str) -> Block:
    return {"type": "section", "text": _mrkdwn(clip(text, MAX_SECTION_TEXT))}


def _header(text: str) -> Block:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": clip(text, MAX_HEADER), "emoji": True},
    }


def _context(*parts: str) -> Block:
    return {"type": "context", "elements": [_mrkdwn(clip(p, MAX_SECTION_TEXT)) for p in parts]}


def _button(label: str, url: str, action_id: str) -> Block:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(label, MAX_BUTTON_TEXT)},
        "url": url[:MAX_URL],
        "action_id": action_id,
    }


def _action_button(label: str, action_id: str, value: str, *, primary: bool = False) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": clip(label, MAX_BUTTON_TEXT)},
        "action_id": action_id,
        "value": value,
    }
    if primary:
        button["style"] = "primary"
    return button


def _fit_lines(items: Sequence[str], limit: int) -> tuple[list[str], int]:
    """As many leading ``items`` as fit in ``limit`` characters joined by newlines (keeping 40
    for a note about the rest), and how many were left out."""
    kept: list[str] = []
    size = 0
    for index, item in enumerate(items):
        if size + len(item) + 1 > limit - 40:
            return kept, len(items) - index
        kept.append(item)
        size += len(item) + 1
    return kept, 0


# ---------------------------------------------------------------------------------------------
# Alerts


def _line_summary(line: AlertLine) -> str:
    value = metric_value(line.value, line.unit, line.labels)
    threshold = metric_value(line.threshold, line.unit, line.labels)
    where = escape(labels_words(line.labels, "all"))
    summary = f"{where}: *{value}* (threshold {escape(line.op)} {threshold})"
    if line.acknowledged_by is not None:
        summary += f"\n:eyes: {_acknowledgement(line)}"
    if line.assigned_to is not None:
        summary += f"\n:bust_in_silhouette: Assigned to *{escape(line.assigned_to)}*"
    return summary


def _acknowledgement(line: AlertLine) -> str:
    """``Acknowledged by *ivan* today 10:32`` (Slack shows the instant in the reader's zone)."""
    when = f" {slack_date(line.acknowledged_at)}" if line.acknowledged_at else ""
    return f"Acknowledged by *{escape(line.acknowledged_by or '')}*{when}"


def _record_text(record: RecordRef) -> str:
    name = escape(record.label)
    title = f"<{record.url}|{name}>" if record.url else f"*{name}*"
    parts = [title]
    if record.amount is not None:
        parts.append(money(record.amount.amount_minor, record.amount.currency))
    if record.since is not None:
        parts.append(f"since {slack_date(record.since)}")
    ids = " · ".join(f"{escape(system)} `{escape(rid)}`" for system, rid in record.ids.items())
    return "• " + " · ".join(parts) + (f"\n      {ids}" if ids else "")


def _line_blocks(line: AlertLine) -> list[Block]:
    fields: list[dict[str, str]] = []
    if line.money:
        amounts = "\n".join(money(m.amount_minor, m.currency) for m in line.money)
        fields.append(_mrkdwn(clip(f"*Money at risk*\n{amounts}", MAX_FIELD_TEXT)))
    if line.records_affected:
        fields.append(_mrkdwn(f"*Records affected*\n{line.records_affected:,}"))
    head = _section(_line_summary(line))
    if fields:
        head["fields"] = fields[:MAX_FIELDS]
    blocks = [head]
    if line.top_records:
        shown = line.top_records[:TOP_RECORDS]
        hidden = max(line.records_affected, len(line.top_records)) - len(shown)
        kept, dropped = _fit_lines([_record_text(r) for r in shown], MAX_SECTION_TEXT - 30)
        if hidden + dropped > 0:
            kept.append(f"…and {hidden + dropped:,} more records")
        blocks.append(_section("*Top records*\n" + "\n".join(kept)))
    return blocks


def _more_noun(lines: Sequence[AlertLine]) -> str:
    keys = {tuple(line.labels) for line in lines}
    if len(keys) == 1:
        only = next(iter(keys))
        if len(only) == 1:
            return _PLURALS.get(only[0], only[0] + "s")
    return "label sets"


def _state_line(message: AlertMessage) -> str:
    since = slack_date(message.started_at)
    if message.state == "resolved":
        if message.resolved_at is None:
            return f":white_check_mark: *Resolved* · was firing since {since}"
        took = duration(message.resolved_at - message.started_at)
        return (
            f":white_check_mark: *Resolved* {slack_date(message.resolved_at)} "
            f"after {took} · was firing since {since}"
        )
    if message.state == "stale":
        return f"*No fresh data* since {since}: the numbers below are the last ones seen"
    word = "Still firing" if message.state == "updated" else "Firing"
    return f"*{word}* since {since} · severity *{message.severity}*"


def _alert_fallback(message: AlertMessage) -> str:
    head = f"[{message.state.upper()}] {message.title}: {message.summary}"
    lines = [
        f"{labels_words(ln.labels, 'all')}: {metric_value(ln.value, ln.unit, ln.labels)} "
        f"(threshold {ln.op} {metric_value(ln.threshold, ln.unit, ln.labels)})"
        + (f", acknowledged by {ln.acknowledged_by}" if ln.acknowledged_by else "")
        + (f", assigned to {ln.assigned_to}" if ln.assigned_to else "")
        for ln in message.lines
    ]
    return clip(escape("\n".join([head, *lines])), MAX_FALLBACK)


def _render_alert(message: AlertMessage) -> SlackPayload:
    emoji = ":large_green_circle:" if message.state == "resolved" else (
        ":grey_question:" if message.state == "stale" else _SEVERITY_EMOJI[message.severity]
    )  # fmt: skip
    blocks: list[Block] = [
        _header(f"{emoji} {_STATE_PREFIX[message.state]}{message.title}"),
        _section(f"{escape(message.summary)}\n{_state_line(message)}"),
    ]
    activity = message.activity if message.state != "resolved" else None
    budget = MAX_BLOCKS - _ALERT_TAIL_BLOCKS - (activity is not None)
    shown = 0
    for line in message.lines:
        line_blocks = _line_blocks(line)
        if len(blocks) + len(line_blocks) > budget:
            break
        blocks.extend(line_blocks)
        shown += 1
    hidden = message.lines[shown:]
    if hidden:
        blocks.append(_context(f"…and {len(hidden)} more {_more_noun(message.lines)}"))
    blocks.append({"type": "divider"})
    context = [f"Owner: *{escape(message.owner)}*", f"Rule: `{escape(message.rule)}`"]
    blocks.append(_context(" · ".join(context)))
    if activity is not None:
        blocks.append(_context(_activity(activity)))
    blocks.append({"type": "actions", "elements": _alert_buttons(message)})
    return SlackPayload(text=_alert_fallback(message), blocks=blocks)


def _activity(activity: Activity) -> str:
    """``Snoozed for 1 h by *ivan* <date> (until <date>)``: who just did what, and when."""
    who, when = f"*{escape(activity.by)}*", slack_date(activity.at)
    match activity.action:
        case "acknowledged":
            return f":eyes: Acknowledged by {who} {when}"
        case "unacknowledged":
            return f":leftwards_arrow_with_hook: Acknowledgement withdrawn by {who} {when}"
        case "assigned":
            return f":bust_in_silhouette: Assigned to {who} {when}"
        case "snoozed":
            until = activity.until or activity.at
            return (
                f":zzz: Snoozed for {duration(until - activity.at)} by {who} {when} "
                f"(until {slack_date(until)})"
            )


def _alert_buttons(message: AlertMessage) -> list[Block]:
    """Acknowledge, Snooze and Assign where people act from Slack, and the links."""
    elements: list[Block] = []
    group, alerts_url = message.group_key, message.alerts_url
    interactive = group is not None and alerts_url is not None and message.state != "resolved"
    if group is not None and alerts_url is not None and interactive:
        value = buttons.button_value(group, message.started_at)
        acknowledged = bool(message.lines) and all(ln.acknowledged_by for ln in message.lines)
        elements += [
            _action_button("Unacknowledge", buttons.UNACKNOWLEDGE, value)
            if acknowledged
            else _action_button("Acknowledge", buttons.ACKNOWLEDGE, value, primary=True),
            _action_button("Snooze 1 h", buttons.SNOOZE_1H, value),
            _action_button("Snooze 4 h", buttons.SNOOZE_4H, value),
            _action_button("Assign to me", buttons.ASSIGN_ME, value),
            _button("Open in syncwatch", alerts_url, buttons.OPEN_ALERT),
        ]
    elements.append(_button("Open dashboard", message.dashboard_url, "open_dashboard"))
    if alerts_url and not interactive:
        elements.append(_button("Acknowledge or silence", alerts_url, "open_alerts"))
    if message.runbook_url:
        elements.append(_button("Runbook", message.runbook_url, "open_runbook"))
    return elements


# ---------------------------------------------------------------------------------------------
# Thread replies and notices (the weekly report renders in alerts.slack_report)


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _render_reply(message: ThreadReply) -> SlackPayload:
    pieces = _chunks(message.text, MAX_SECTION_TEXT)
    blocks: list[Block] = [
        {"type": "section", "text": {"type": "plain_text", "text": piece, "emoji": True}}
        for piece in pieces[:MAX_BLOCKS]
    ]
    return SlackPayload(text=clip(escape(message.text), MAX_FALLBACK) or " ", blocks=blocks)


def _render_notice(message: Notice) -> SlackPayload:
    blocks: list[Block] = [
        _section(f"*{escape(message.title)}*\n{escape(message.text)}"),
    ]
    if message.url:
        blocks.append(
            {
                "type": "actions",
                "elements": [_button(message.url_label, message.url, "open_notice")],
            }
        )
    fallback = clip(escape(f"{message.title}: {message.text}"), MAX_FALLBACK)
    return SlackPayload(text=fallback, blocks=blocks)
