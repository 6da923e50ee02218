"""The buttons on an alert's Slack message: their action ids, and the incident their value names.

A button's value names the incident it was posted for (its rule group and the instant it
started), so a click on the message of an incident that has since resolved, or of an earlier
incident of the same group, is recognised as such instead of acting on whatever fires now.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from core.clock import format_instant

ACKNOWLEDGE: Final = "alert_acknowledge"
UNACKNOWLEDGE: Final = "alert_unacknowledge"
SNOOZE_1H: Final = "alert_snooze_1h"
SNOOZE_4H: Final = "alert_snooze_4h"
ASSIGN_ME: Final = "alert_assign_me"
OPEN_ALERT: Final = "open_alert"

SNOOZES: Final[dict[str, timedelta]] = {
    SNOOZE_1H: timedelta(hours=1),
    SNOOZE_4H: timedelta(hours=4),
}
ACTIONS: Final = frozenset({ACKNOWLEDGE, UNACKNOWLEDGE, ASSIGN_ME, *SNOOZES})
"""The buttons that change something (the others only open a link)."""


@dataclass(frozen=True, slots=True)
class Target:
    """The incident a button was posted for."""

    group_key: str
    started_at: datetime


def button_value(group_key: str, started_at: datetime) -> str:
    """The value every acting button of an incident's message carries."""
    return json.dumps(
        {"group": group_key, "since": format_instant(started_at)}, separators=(",", ":")
    )


def parse_value(value: object) -> Target | None:
    """The incident a button's value names, or None when it is not one of ours."""
    if not isinstance(value, str):
        return None
    try:
        data = json.loads(value)
        group, since = data["group"], datetime.fromisoformat(data["since"])
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(group, str) or not group or since.tzinfo is None:
        return None
    return Target(group, since)
