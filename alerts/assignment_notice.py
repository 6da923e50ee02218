"""Telling a person in Slack that exception items were assigned to them: a direct message with
what each item is, its money, who assigned it with their note, and a link to the item.

Enqueued in the caller's transaction (beside the assignment), so the message goes out exactly
when the assignment is committed, and the outbox delivers it even through a Slack outage.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final
from urllib.parse import urlencode

import psycopg

from alerts.enqueue import Enqueued, enqueue_direct_message
from alerts.messages import Notice
from core.config import Settings
from core.display import instant, metric_title, money, money_list, object_title, system_title
from core.store.record_names import names_join
from metrics.exception_outcome import ActionOutcome
from metrics.exception_teams import team_of

LISTED: Final = 5
"""Items named one by one in a message about several; the rest are counted."""

_ITEMS = f"""
SELECT i.id, i.metric, i.system, i.object_type, i.external_id, i.amount_minor, i.currency,
       COALESCE(i.since, i.first_seen), names.record_name, names.customer_name
FROM exception_item i
{names_join("i.system", "i.object_type", "i.external_id")}
WHERE i.id = ANY (%(ids)s::bigint[])
ORDER BY abs(i.amount_minor) DESC NULLS LAST, i.id
LIMIT %(limit)s
"""


def item_link(settings: Settings, item_id: int) -> str:
    """The dashboard's deep link to one exception item (it opens on the page that lists it)."""
    return f"{settings.dashboard_url.rstrip('/')}/?{urlencode({'item': str(item_id)})}"


def notify_assignee(
    conn: psycopg.Connection[Any], settings: Settings, outcome: ActionOutcome
) -> Enqueued | None:
    """Enqueue the direct message of an assignment to its assignee; None when the action
    assigned nothing or the person assigned the items to themselves."""
    if outcome.action != "assign" or not outcome.changed or outcome.assignee is None:
        return None
    if outcome.assignee == outcome.actor:
        return None
    return enqueue_direct_message(
        conn,
        user=outcome.assignee,
        message=assignment_notice(conn, settings, outcome),
        key=f"exception-assignment:{outcome.event_ids[0]}",
    )


def assignment_notice(
    conn: psycopg.Connection[Any], settings: Settings, outcome: ActionOutcome
) -> Notice:
    """The message telling the assignee what they were given, by whom, and where it is."""
    ids = [i.id for i in outcome.changed]
    rows = conn.execute(_ITEMS, {"ids": ids, "limit": LISTED}).fetchall()
    lines = [_line(row, settings, outcome.at) for row in rows]
    note = f"\nNote from {outcome.actor}: {outcome.note}" if outcome.note else ""
    if len(ids) == 1:
        return Notice(
            title=f"{outcome.actor} assigned you an exception item",
            text=lines[0] + note,
            url=item_link(settings, ids[0]),
            url_label=f"Open item #{ids[0]}",
        )
    more = len(ids) - len(lines)
    listed = "\n".join(f"• #{row[0]} {line}" for row, line in zip(rows, lines, strict=True))
    rest = f"\n…and {more:,} more" if more > 0 else ""
    worth = money_list(outcome.money) if outcome.money else ""
    teams = {team_of(i.metric) for i in outcome.changed}
    page = next(iter(teams)) if len(teams) == 1 else None
    base = settings.dashboard_url.rstrip("/")
    return Notice(
        title=f"{outcome.actor} assigned you {len(ids):,} exception items"
        + (f" worth {worth}" if worth else ""),
        text=listed + rest + note,
        url=f"{base}/{page}" if page else f"{base}/",
        url_label="Open them in syncwatch",
    )


def _line(row: tuple[Any, ...], settings: Settings, now: datetime) -> str:
    """``Invoice failed to post: Stripe invoice INV-1042 (Acme Corp), $1,000.00, open since …``"""
    _, metric, system, kind, external_id, amount, currency, since, name, customer = row
    record = f"{system_title(system)} {object_title(kind)} {name or external_id}"
    parts = [f"{metric_title(metric)}: {record}" + (f" ({customer})" if customer else "")]
    if amount is not None and currency:
        parts.append(money(amount, currency))
    parts.append(f"open since {instant(since, settings.zone, now)}")
    return ", ".join(parts)
