"""Exception item reads for the item panel: an item's timeline and the people it can go to."""

from __future__ import annotations

from app.queries.core import Frame, Query, Window, load
from app.runtime import runtime
from core.roles import Identity, Topic, authorize, valid_roles
from metrics.exception_actions import configured_people
from metrics.exception_teams import workable_metrics

# Only items of the metrics the reader may work on: a page never shows another team's timeline.
TIMELINE = Query(
    "exceptions.timeline",
    "record",
    """
    SELECT e.kind, e.actor, e.at, e.note, e.assignee
    FROM exception_event e
    JOIN exception_item i ON i.id = e.item_id
    WHERE e.item_id = %(item_id)s AND i.metric = ANY (%(workable)s::text[])
    ORDER BY e.at, e.id
    """,
)
PEOPLE = Query(
    "exceptions.people",
    "record",
    "SELECT name, roles, disabled FROM app_user ORDER BY name",
)


def timeline(identity: Identity | None, window: Window, item_id: int) -> Frame:
    """The events of one item the reader may work on, oldest first."""
    workable = list(workable_metrics(identity)) if identity is not None else []
    return load(identity, TIMELINE, window.params(item_id=item_id, workable=workable))


def assignees(identity: Identity | None, window: Window, topic: Topic) -> list[str]:
    """Who ``topic``'s items may be assigned to: the enabled users (local, or named in the
    configuration when people sign in through a proxy or OpenID Connect) who may work on them.
    Only someone who may open ``topic``'s page reads the list."""
    authorize(identity, topic)
    local = load(identity, PEOPLE, window.params()).to_dict("records")
    people = {str(u["name"]): list(u["roles"]) for u in local if not u["disabled"]}
    known = {str(u["name"]) for u in local}
    people |= {n: r for n, r in configured_people(runtime().settings).items() if n not in known}
    return sorted(n for n, roles in people.items() if Identity(n, valid_roles(roles)).may(topic))
