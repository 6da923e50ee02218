"""The account's Zendesk organization and its tickets with their status history."""

from __future__ import annotations

from datetime import datetime, timedelta

from sandbox.draw import Draw
from sandbox.ids import zendesk_organization_id, zendesk_ticket_id
from sandbox.model import CrmAccount, SupportOrganization, SupportTicket
from sandbox.timeline import whole_seconds

_SUBJECTS = (
    "Invoice does not match contract", "Cannot log in", "Sync delay on dashboard",
    "Request to change billing contact", "API rate limit questions", "Feature request: export",
    "Payment failed", "Upgrade seats", "Data missing after import", "SSO configuration",
)  # fmt: skip
_TAGS = ("billing", "login", "integration", "api", "sso", "renewal", "bug", "question")
_PRIORITIES = ("low", "normal", "high", "urgent")
_PRIORITY_WEIGHTS = (25.0, 50.0, 20.0, 5.0)
_TICKET_COUNTS = (0, 1, 2, 3, 5)
_TICKET_COUNT_WEIGHTS = (40.0, 25.0, 20.0, 10.0, 5.0)


def add_support(draw: Draw, account: CrmAccount) -> None:
    """Most accounts get an organization (external_id = Account Id) and a few tickets."""
    if not draw.chance(0.85):
        return
    created = whole_seconds(account.created + timedelta(seconds=draw.seconds(600, 14 * 86400)))
    org = SupportOrganization(
        zendesk_organization_id(draw.index), account.name, account.id, created
    )
    draw.bundle.organizations.append(org)
    end = draw.frame.end
    if created >= end:
        return
    count = int(draw.pick(tuple(map(str, _TICKET_COUNTS)), _TICKET_COUNT_WEIGHTS))
    span = (end - created).total_seconds()
    for number in range(count):
        opened = whole_seconds(created + timedelta(seconds=draw.seconds(0, span)))
        draw.bundle.tickets.append(
            SupportTicket(
                id=zendesk_ticket_id(draw.index, number),
                organization_id=org.id,
                subject=draw.rng.choice(_SUBJECTS),
                priority=draw.pick(_PRIORITIES, _PRIORITY_WEIGHTS),
                tags=tuple(sorted(draw.rng.sample(_TAGS, draw.rng.randint(0, 2)))),
                created=opened,
                history=_history(draw, opened),
            )
        )
    draw.bundle.tickets.sort(key=lambda t: (t.created, t.id))


def _history(draw: Draw, opened: datetime) -> tuple[tuple[datetime, str], ...]:
    """new -> open -> (pending ->) solved -> closed, each step a while after the last."""
    steps: list[tuple[datetime, str]] = [(opened, "new")]
    at = opened + timedelta(seconds=int(draw.seconds(300, 8 * 3600)))
    steps.append((at, "open"))
    if draw.chance(0.4):
        at += timedelta(seconds=int(draw.seconds(3600, 3 * 86400)))
        steps.append((at, "pending"))
    at += timedelta(seconds=int(draw.rng.lognormvariate(11.4, 1.0)) + 60)
    steps.append((at, "solved"))
    steps.append((at + timedelta(days=4), "closed"))
    return tuple(steps)
