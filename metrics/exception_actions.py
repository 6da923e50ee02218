"""What people do with exception items: acknowledge, assign, unassign, note and resolve; one
item or every item of a filtered selection in one transaction, each change an event of the
item's timeline and the whole action one audit entry.

A manual resolve closes the item now; if the next compute still finds the problem, the
reconciliation reopens it (status back to open), so a resolve can never hide a live failure.
That is also why there is no manual reopen: the compute reopens what is still wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import psycopg

from core.audit import record_action
from core.config import Settings
from core.display import instant, metric_title
from core.errors import SyncwatchError
from core.roles import Identity, valid_roles
from core.users import list_users
from metrics import page_snapshots
from metrics.exception_events import EventKind, record_events
from metrics.exception_outcome import Action, ActionOutcome
from metrics.exception_selection import ItemFilter, SelectedItem, select_items
from metrics.exception_teams import TEAM_ITEMS, may_work_on

MAX_NOTE: Final = 2000

_EVENT: Final[dict[Action, EventKind]] = {
    "acknowledge": "acknowledged",
    "assign": "assigned",
    "unassign": "unassigned",
    "note": "note",
    "resolve": "resolved",
}
# The columns each action sets on the items it changes (the latest note is kept on the item).
_SET: Final[dict[Action, str]] = {
    "acknowledge": "status = 'acknowledged'",
    "assign": "assignee = %(assignee)s, status = 'acknowledged'",
    "unassign": "assignee = NULL",
    "note": "note = %(note)s",
    "resolve": "status = 'resolved', resolved_at = %(at)s",
}


class ExceptionActionError(SyncwatchError, ValueError):
    """An action that cannot apply: unknown item, already resolved, a missing note, or an
    assignee who is not an enabled syncwatch user allowed to work on the item."""

    exit_code = 2


def acknowledge(
    conn: psycopg.Connection[Any],
    item_id: int,
    *,
    actor: str,
    at: datetime,
    metrics: tuple[str, ...] | list[str] | None = None,
    note: str | None = None,
) -> ActionOutcome:
    """Mark an open item as seen by ``actor`` (only items of ``metrics``, when given)."""
    return act_on_item(conn, "acknowledge", item_id, actor=actor, at=at, metrics=metrics, note=note)


def assign(
    conn: psycopg.Connection[Any],
    item_id: int,
    *,
    assignee: str,
    actor: str,
    at: datetime,
    metrics: tuple[str, ...] | list[str] | None = None,
    note: str | None = None,
    people: Mapping[str, Sequence[str]] | None = None,
) -> ActionOutcome:
    """Give an open item to ``assignee``, an enabled user who may work on it (acknowledging it);
    ``people`` adds the identities the configuration names (see ``configured_people``)."""
    return act_on_item(
        conn, "assign", item_id, actor=actor, at=at, metrics=metrics, note=note,
        assignee=assignee, people=people,
    )  # fmt: skip


def unassign(
    conn: psycopg.Connection[Any],
    item_id: int,
    *,
    actor: str,
    at: datetime,
    metrics: tuple[str, ...] | list[str] | None = None,
    note: str | None = None,
) -> ActionOutcome:
    """Take an open item off its assignee (it stays acknowledged)."""
    return act_on_item(conn, "unassign", item_id, actor=actor, at=at, metrics=metrics, note=note)


def add_note(
    conn: psycopg.Connection[Any],
    item_id: int,
    *,
    note: str,
    actor: str,
    at: datetime,
    metrics: tuple[str, ...] | list[str] | None = None,
) -> ActionOutcome:
    """Add a note to an item's timeline (any number; a resolved item takes notes too)."""
    return act_on_item(conn, "note", item_id, actor=actor, at=at, metrics=metrics, note=note)


def resolve(
    conn: psycopg.Connection[Any],
    item_id: int,
    *,
    note: str,
    actor: str,
    at: datetime,
    metrics: tuple[str, ...] | list[str] | None = None,
) -> ActionOutcome:
    """Close an open item with a note saying what was done."""
    return act_on_item(conn, "resolve", item_id, actor=actor, at=at, metrics=metrics, note=note)


def act_on_item(
    conn: psycopg.Connection[Any],
    action: Action,
    item_id: int,
    *,
    actor: str,
    at: datetime,
    metrics: tuple[str, ...] | list[str] | None = None,
    note: str | None = None,
    assignee: str | None = None,
    people: Mapping[str, Sequence[str]] | None = None,
) -> ActionOutcome:
    """``action`` on one item (of ``metrics``, when given); an item that is missing, closed or
    out of scope is an ``ExceptionActionError`` saying which."""
    scope = tuple(metrics) if metrics else None
    items = ItemFilter(scope=scope, ids=(item_id,), include_resolved=action == "note")
    outcome = act(
        conn, action, items, actor=actor, at=at, note=note, assignee=assignee, people=people
    )
    if not outcome.changed and not outcome.unchanged:
        raise ExceptionActionError(_why_not(conn, item_id, scope))
    return outcome


def act(
    conn: psycopg.Connection[Any],
    action: Action,
    items: ItemFilter,
    *,
    actor: str,
    at: datetime,
    note: str | None = None,
    assignee: str | None = None,
    people: Mapping[str, Sequence[str]] | None = None,
) -> ActionOutcome:
    """Apply ``action`` to every item ``items`` selects, in one transaction with one note.

    Items the action would not change (already acknowledged, already with that assignee) are
    left alone and counted. Raises ``ExceptionActionError`` for a missing or overlong note, or
    an assignee who may not take every selected item; then nothing changes.
    """
    text = _note(action, note)
    who = (assignee or "").strip() or None if action == "assign" else None
    if action == "assign" and not who:
        raise ExceptionActionError("name the person to assign the item to")
    with conn.transaction():
        selected = select_items(conn, items, lock=True)
        if action == "assign" and selected:
            _check_assignee(conn, str(who), selected, people)
        changed = [i for i in selected if _changes(action, i, who)]
        unchanged = tuple(i for i in selected if not _changes(action, i, who))
        ids = [i.id for i in changed]
        if not changed:
            return ActionOutcome(action, actor, at, (), unchanged, (), who, text)
        sets = _SET[action] + (", note = %(note)s" if text and action != "note" else "")
        conn.execute(
            f"UPDATE exception_item SET {sets} WHERE id = ANY (%(ids)s::bigint[])",
            {"ids": ids, "at": at, "note": text, "assignee": who},
        )
        if action == "resolve":
            page_snapshots.forget(conn)
        previous = [str(i.assignee) for i in changed] if action == "unassign" else None
        events = record_events(
            conn, ids, _EVENT[action], actor=actor, at=at, note=text,
            assignees=[str(who)] * len(ids) if action == "assign" else previous,
        )  # fmt: skip
        outcome = ActionOutcome(
            action, actor, at, tuple(changed), unchanged, tuple(events), who, text
        )
        _audit(conn, outcome, items)
    return outcome


def configured_people(settings: Settings) -> dict[str, list[str]]:
    """The identities the configuration gives roles to, when people sign in through a proxy or
    OpenID Connect rather than as local users (they are syncwatch users too)."""
    if settings.auth.mode == "local":
        return {}
    return {name: list(roles) for name, roles in settings.auth.roles.items()}


def enabled_user(
    conn: psycopg.Connection[Any],
    name: str,
    *,
    purpose: str,
    people: Mapping[str, Sequence[str]] | None = None,
) -> Identity:
    """The enabled syncwatch user ``name`` with their roles: a local user, else one of
    ``people``. ``purpose`` ("to assign to", "acting") completes the error that refuses an
    unknown or disabled name."""
    found = next((u for u in list_users(conn) if u.name == name), None)
    if found is None and people and name in people:
        return Identity(name, valid_roles(people[name]))
    if found is None:
        raise ExceptionActionError(
            f"there is no syncwatch user named {name!r} {purpose}: pick an existing user "
            "(an administrator adds users)"
        )
    if found.disabled:
        raise ExceptionActionError(
            f"the user {name!r} is disabled: pick an enabled user {purpose} "
            "(an administrator can enable it again)"
        )
    return Identity(name, valid_roles(found.roles))


def _note(action: Action, note: str | None) -> str | None:
    """The note as stored (stripped; None when empty), checked for the actions that need one."""
    text = (note or "").strip() or None
    if text is None and action == "resolve":
        raise ExceptionActionError("say what was done in a note to resolve the item")
    if text is None and action == "note":
        raise ExceptionActionError("write the note to add")
    if text is not None and len(text) > MAX_NOTE:
        raise ExceptionActionError(
            f"the note has {len(text):,} characters: keep it to {MAX_NOTE:,} at most"
        )
    return text


def _changes(action: Action, item: SelectedItem, assignee: str | None) -> bool:
    """Whether ``action`` changes ``item`` (an item already so is left alone)."""
    if action == "acknowledge":
        return item.status == "open"
    if action == "assign":
        return item.assignee != assignee or item.status == "open"
    if action == "unassign":
        return item.assignee is not None
    return True


def _check_assignee(
    conn: psycopg.Connection[Any],
    name: str,
    items: list[SelectedItem],
    people: Mapping[str, Sequence[str]] | None,
) -> None:
    """Refuse an assignee who is unknown, disabled, or may not work on one of ``items``."""
    person = enabled_user(conn, name, purpose="to assign to", people=people)
    refused = sorted({i.metric for i in items if not may_work_on(person, i.metric)})
    if refused:
        teams = sorted({t for t, metrics in TEAM_ITEMS.items() if set(refused) & set(metrics)})
        kinds = ", ".join(metric_title(m) for m in refused)
        raise ExceptionActionError(
            f"{name} may not work on these items ({kinds}): that takes the "
            f"{' or '.join(teams)} role, or admin. Assign them to someone who holds it, or ask "
            "an administrator to grant it"
        )


def _why_not(conn: psycopg.Connection[Any], item_id: int, scope: tuple[str, ...] | None) -> str:
    """Why one item cannot be acted on: it does not exist, is not the person's, or is closed."""
    row = conn.execute(
        "SELECT metric, resolved_at FROM exception_item WHERE id = %s", (item_id,)
    ).fetchone()
    if row is None:
        return f"there is no exception item {item_id}: check the number in the list of items"
    metric, resolved_at = row
    if scope is not None and metric not in scope:
        return (
            f"exception item {item_id} ({metric_title(metric)}) is not open to you "
            "(not yours to change): it belongs to another team's page"
        )
    when = instant(resolved_at, ZoneInfo("UTC"))
    return f"exception item {item_id} is not open: it was resolved {when}"


def _audit(conn: psycopg.Connection[Any], outcome: ActionOutcome, items: ItemFilter) -> None:
    """One audit entry for the whole action: the items it changed and how they were chosen."""
    details: dict[str, Any] = {"items": [i.id for i in outcome.changed]}
    if len(outcome.changed) == 1:
        only = outcome.changed[0]
        details |= {
            "metric": only.metric,
            "record": f"{only.system}/{only.object_type}/{only.external_id}",
        }
    if items.ids is None or len(items.ids) > 1:
        # The scope is the actor's roles' (already in the audit as who acted): left out.
        chosen = {k: v for k, v in asdict(items).items() if v not in (None, False) and k != "scope"}
        details |= {"selection": chosen, "unchanged": len(outcome.unchanged)}
    if outcome.assignee is not None:
        details["assignee"] = outcome.assignee
    if outcome.action == "unassign":
        details["was_assigned_to"] = sorted({str(i.assignee) for i in outcome.changed})
    if outcome.note is not None:
        details["note"] = outcome.note
    record_action(
        conn, actor=outcome.actor, action=f"exception.{outcome.action}",
        target_type="exception_item",
        target_id=str(outcome.changed[0].id) if len(outcome.changed) == 1 else None,
        details=details, at=outcome.at,
    )  # fmt: skip
