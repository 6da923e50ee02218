"""Exception items and users written straight into a real store, for the action tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from core import users
from core.config.models import Role
from core.database import Database

AT: Final = datetime(2026, 11, 21, 9, tzinfo=UTC)
PASSWORD: Final = "pw-for-tests-only"
_HASH: Final = users.hash_password(PASSWORD)
USERS: Final[dict[str, list[Role]]] = {
    "fiona": ["finance"],
    "frank": ["finance"],
    "rory": ["revops"],
    "ivan": ["integration"],
    "ada": ["admin"],
    "erin": ["executive"],
}


def add_users(db: Database, *, disabled: tuple[str, ...] = ()) -> None:
    """Every user of ``USERS`` (the ``disabled`` ones disabled), written as ``users.add_user``
    stores them but hashing the one password once: argon2 is slow on purpose."""
    with db.connection() as conn:
        conn.execute(
            "INSERT INTO app_user (name, password_hash, roles, disabled, created_at) "
            "SELECT u.name, %s, string_to_array(u.roles, ','), u.name = ANY (%s), %s "
            "FROM unnest(%s::text[], %s::text[]) AS u (name, roles)",
            (_HASH, list(disabled), AT, list(USERS), [",".join(r) for r in USERS.values()]),
        )


def add_item(
    db: Database,
    external_id: str,
    *,
    metric: str = "posting_failures",
    flow: str | None = "invoice_billing_to_erp",
    system: str = "stripe",
    amount_minor: int | None = 1000,
    currency: str | None = "USD",
    owner: str = "finance",
    since: timedelta = timedelta(hours=2),
    assignee: str | None = None,
) -> int:
    """One open item, ``since`` old at ``AT``; its number."""
    labels: dict[str, Any] = {"flow": flow} if flow else {}
    with db.connection() as conn:
        row = conn.execute(
            "INSERT INTO exception_item (fingerprint, metric, labels, system, object_type, "
            "external_id, amount_minor, currency, owner, assignee, since, first_seen, last_seen) "
            "VALUES (%s, %s, %s, %s, 'invoice', %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (f"{metric}:{system}:{external_id}", metric, json.dumps(labels), system, external_id,
             amount_minor, currency, owner, assignee, AT - since, AT - since, AT - since),
        ).fetchone()  # fmt: skip
    assert row is not None
    return int(row[0])


def item_state(db: Database, item_id: int) -> tuple[Any, ...]:
    """(status, assignee, note, resolved_at) of one item."""
    with db.connection() as conn:
        row = conn.execute(
            "SELECT status, assignee, note, resolved_at FROM exception_item WHERE id = %s",
            (item_id,),
        ).fetchone()
    assert row is not None
    return tuple(row)


def events(db: Database, item_id: int) -> list[tuple[Any, ...]]:
    """(kind, actor, note, assignee) of each event of one item, oldest first."""
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT kind, actor, note, assignee FROM exception_event WHERE item_id = %s "
            "ORDER BY at, id",
            (item_id,),
        ).fetchall()
    return [tuple(r) for r in rows]


def audit(db: Database) -> list[tuple[Any, ...]]:
    """(actor, action, target_id, details) of every audit entry, oldest first."""
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT actor, action, target_id, details FROM audit_log ORDER BY id"
        ).fetchall()
    return [tuple(r) for r in rows]
