"""Which team's page holds each kind of exception item, and so who may work on it.

The dashboard, the command line and assignment all ask this one table: a person may act on an
item when a role of theirs opens the page that lists it (an administrator may act on any).
"""

from __future__ import annotations

from typing import Final

from core.roles import Identity, Topic

TEAM_ITEMS: Final[dict[Topic, tuple[str, ...]]] = {
    "finance": (
        "posting_failures",
        "silent_misses",
        "payment_posting_failures",
        "payment_silent_misses",
        "amount_mismatches",
    ),
    "revops": ("unmatched_accounts", "orphan_customers", "duplicate_customers", "stuck_amendments"),
    "integration": ("sync_backlog", "sla_breaches", "clock_skew_items"),
}

# The problems a record can have (the finance and RevOps items), most telling first: money
# (what finance closes on), then accounts. A record that several of them list is named by the
# first; reports list them in this order, then the flow-wide items (INTEGRATION_ORDER).
PROBLEM_ORDER: Final = (
    "posting_failures",
    "silent_misses",
    "amount_mismatches",
    "payment_posting_failures",
    "payment_silent_misses",
    "stuck_amendments",
    "unmatched_accounts",
    "orphan_customers",
    "duplicate_customers",
)
INTEGRATION_ORDER: Final = ("sla_breaches", "sync_backlog", "clock_skew_items")


def team_of(metric: str) -> Topic | None:
    """The page (topic) that lists ``metric``'s items, or None for a metric no page lists."""
    return next((team for team, metrics in TEAM_ITEMS.items() if metric in metrics), None)


def workable_metrics(identity: Identity) -> tuple[str, ...]:
    """The exception metrics whose items ``identity`` may act on."""
    return tuple(m for team, metrics in TEAM_ITEMS.items() if identity.may(team) for m in metrics)


def may_work_on(identity: Identity, metric: str) -> bool:
    """Whether ``identity`` may act on an item of ``metric``."""
    team = team_of(metric)
    return team is not None and identity.may(team)
