"""Every change the dashboard makes to the store: role-checked, audited, then caches cleared."""

from __future__ import annotations

from datetime import datetime
from typing import Final, Literal

from alerts import silences
from alerts.acknowledgements import AckAction, AckOutcome, change_acknowledgement
from alerts.assignment_notice import notify_assignee
from app.queries.core import clear_cache
from app.runtime import runtime
from core import users
from core.audit import record_action
from core.roles import Identity, Topic, authorize
from metrics import exception_actions, matching
from metrics.exception_outcome import Action, ActionOutcome
from metrics.exception_selection import ItemFilter
from metrics.exception_teams import TEAM_ITEMS

# The exception items each page may change: a page never touches another team's items.
TOPIC_ITEMS: Final[dict[Topic, list[str]]] = {t: list(m) for t, m in TEAM_ITEMS.items()}


def exception_action(
    identity: Identity | None,
    topic: Topic,
    item_ids: list[int],
    action: Action,
    at: datetime,
    *,
    assignee: str = "",
    note: str = "",
) -> ActionOutcome:
    """Acknowledge, assign, unassign, note or resolve some of the page's exception items in one
    transaction (one of them: ``ExceptionActionError`` says why it cannot be acted on); an
    assignee is told by Slack direct message."""
    who = authorize(identity, topic).name
    scope = tuple(TOPIC_ITEMS[topic])
    settings = runtime().settings
    people = exception_actions.configured_people(settings)
    with runtime().pool.connection() as conn, conn.transaction():
        if len(item_ids) == 1:
            outcome = exception_actions.act_on_item(
                conn, action, item_ids[0], actor=who, at=at, metrics=scope, note=note,
                assignee=assignee, people=people,
            )  # fmt: skip
        else:
            outcome = exception_actions.act(
                conn, action, ItemFilter(scope=scope, ids=tuple(item_ids)), actor=who, at=at,
                note=note, assignee=assignee, people=people,
            )  # fmt: skip
        notify_assignee(conn, settings, outcome)
    clear_cache()
    return outcome


def decide_match(
    identity: Identity | None,
    decision: Literal["confirm", "reject"],
    *,
    system: str,
    crm_account_id: str,
    customer_id: str,
    at: datetime,
    score: float | None = None,
    method: str | None = None,
) -> None:
    """Confirm or reject a suggested account match (audited by the matching module)."""
    who = authorize(identity, "revops").name
    decide = matching.confirm_match if decision == "confirm" else matching.reject_match
    with runtime().pool.connection() as conn:
        decide(
            conn, system=system, crm_account_id=crm_account_id, customer_id=customer_id,
            actor=who, at=at, score=score, method=method,
        )  # fmt: skip
    clear_cache()


def acknowledge_alert(
    identity: Identity | None, alert_id: int, action: AckAction, at: datetime
) -> AckOutcome:
    """Acknowledge an open alert or withdraw its acknowledgement (role-checked, audited)."""
    who = authorize(identity, "alerts")
    with runtime().pool.connection() as conn:
        outcome = change_acknowledgement(
            conn, runtime().settings, alert_id, action, identity=who, at=at
        )
    clear_cache()
    return outcome


def create_silence(
    identity: Identity | None,
    *,
    matchers: dict[str, str],
    reason: str,
    starts_at: datetime,
    ends_at: datetime,
) -> int:
    """Silence alerts matching ``matchers`` for a while (audited); return its id."""
    who = authorize(identity, "alerts").name
    with runtime().pool.connection() as conn:
        silence_id = silences.create_silence(
            conn, matchers=matchers, created_by=who, reason=reason, starts_at=starts_at,
            ends_at=ends_at,
        )  # fmt: skip
    clear_cache()
    return silence_id


def expire_silence(identity: Identity | None, silence_id: int, at: datetime) -> None:
    """End a silence now (audited)."""
    who = authorize(identity, "alerts").name
    with runtime().pool.connection() as conn:
        silences.expire_silence(conn, silence_id, actor=who, at=at)
    clear_cache()


def create_user(
    identity: Identity | None,
    name: str,
    password: str,
    roles: list[str],
    at: datetime,
    email: str | None = None,
) -> None:
    """Add a new local user (audited); an existing name is refused. The e-mail address, when
    given, is how Slack finds the user (``users.lookupByEmail``)."""
    who = authorize(identity, "admin").name
    with runtime().pool.connection() as conn:
        users.create_user(
            conn, name.strip(), password, roles, actor=who, at=at, email=email or None
        )
    clear_cache()


def set_user_email(identity: Identity | None, name: str, email: str | None, at: datetime) -> None:
    """Set or clear a local user's e-mail address (audited)."""
    who = authorize(identity, "admin").name
    with runtime().pool.connection() as conn:
        users.set_email(conn, name, email or None, actor=who, at=at)
    clear_cache()


def set_user_roles(identity: Identity | None, name: str, roles: list[str], at: datetime) -> None:
    """Replace a local user's roles (audited); an administrator keeps their own admin role."""
    who = authorize(identity, "admin").name
    if name == who and "admin" not in roles:
        raise users.UserError("you cannot remove your own admin role")
    with runtime().pool.connection() as conn:
        users.set_roles(conn, name, roles, actor=who, at=at)
    clear_cache()


def reset_user_password(identity: Identity | None, name: str, password: str, at: datetime) -> None:
    """Give a local user a new password (audited, never logged)."""
    who = authorize(identity, "admin").name
    with runtime().pool.connection() as conn:
        users.reset_password(conn, name, password, actor=who, at=at)


def set_user_disabled(identity: Identity | None, name: str, disabled: bool, at: datetime) -> None:
    """Disable or re-enable a local user (audited)."""
    who = authorize(identity, "admin").name
    if disabled and name == who:
        raise users.UserError("you cannot disable yourself")
    with runtime().pool.connection() as conn:
        users.set_disabled(conn, name, disabled, actor=who, at=at)
    clear_cache()


def record_config_view(identity: Identity | None, fingerprint: str, at: datetime) -> None:
    """Note in the audit log that an administrator saw the effective configuration (its
    fingerprint says which)."""
    who = authorize(identity, "admin").name
    with runtime().pool.connection() as conn, conn.transaction():
        record_action(
            conn, actor=who, action="config.view", target_type="config", target_id=fingerprint,
            at=at,
        )  # fmt: skip
    clear_cache()
