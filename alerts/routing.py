"""Where a rule's messages go and whether they may be sent now: its route and quiet hours.

A rule's own ``route`` names its channel; otherwise the first route in ``alerts.routes`` that
matches the rule's owner, severity and name gives it, and an alert no route sends anywhere goes
to its team's channel. Quiet hours come from the matching route. Inside them every notification
except a critical rule's is held: nothing is sent, and when the window ends the incident's
message is sent once, as it then stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.config import Settings
from core.config.alerts import AlertRule
from core.config.flows import Owner
from core.config.routes import Route

TEAM_CHANNELS: dict[Owner, str] = {
    "integration": "#sync-alerts",
    "finance": "#finance-ops",
    "revops": "#revops",
}
"""The default route: each team's channel, for alerts no configured route sends elsewhere."""


@dataclass(frozen=True, slots=True)
class Routing:
    """Where one rule's messages go, and the route that took it (None: the team default)."""

    channel: str
    route: Route | None

    @property
    def direct_messages(self) -> bool:
        """Whether an assigned alert's assignee is told of its changes directly."""
        return self.route is None or self.route.direct_messages


def route_for(settings: Settings, rule: AlertRule) -> Routing:
    """The route a rule's alerts take: the first configured route that matches, if any."""
    route = next(
        (
            r
            for r in settings.alerts.routes
            if r.match.matches(owner=rule.owner, severity=rule.severity, rule=rule.name)
        ),
        None,
    )
    channel = rule.route or (route.channel if route else None) or TEAM_CHANNELS[rule.owner]
    return Routing(channel, route)


def held_until(settings: Settings, rule: AlertRule, now: datetime) -> datetime | None:
    """When the quiet hours holding this rule's notifications end, or None when they may go.

    A critical rule is never held.
    """
    route = route_for(settings, rule).route
    if route is None or rule.severity == "critical":
        return None
    return route.quiet_until(now, settings.zone)
