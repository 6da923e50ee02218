"""Silences: who muted which alerts, why, until when; silenced alerts keep state, send nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from core.audit import record_action
from core.errors import SyncwatchError


class SilenceError(SyncwatchError):
    """A silence that cannot be created or expired as asked."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class Silence:
    """One silence: label matchers (``rule`` names the rule), who, why, when."""

    id: int
    matchers: dict[str, str]
    created_by: str
    reason: str
    starts_at: datetime
    ends_at: datetime
    expired_by: str | None

    def matches(self, rule: str, labels: dict[str, str]) -> bool:
        """Whether an alert of ``rule`` with ``labels`` is muted by this silence."""
        subject = {**labels, "rule": rule}
        return all(subject.get(k) == v for k, v in self.matchers.items())


def create_silence(
    conn: psycopg.Connection[Any],
    *,
    matchers: dict[str, str],
    created_by: str,
    reason: str,
    starts_at: datetime,
    ends_at: datetime,
) -> int:
    """Store a silence and its audit entry; return its id."""
    if not matchers:
        raise SilenceError("a silence needs at least one matcher (e.g. rule=posting-failures)")
    if not reason.strip():
        raise SilenceError("a silence needs a reason")
    if ends_at <= starts_at:
        raise SilenceError("a silence must end after it starts")
    with conn.transaction():
        row = conn.execute(
            "INSERT INTO silence (matchers, created_by, reason, starts_at, ends_at) "
            "VALUES (%s, %s, %s, %s, %s) RETURNING id",
            (json.dumps(matchers), created_by, reason, starts_at, ends_at),
        ).fetchone()
        assert row is not None
        silence_id = int(row[0])
        record_action(
            conn,
            actor=created_by,
            action="silence.create",
            target_type="silence",
            target_id=str(silence_id),
            details={"matchers": matchers, "reason": reason, "starts_at": starts_at,
                     "ends_at": ends_at},
        )  # fmt: skip
    return silence_id


def expire_silence(
    conn: psycopg.Connection[Any], silence_id: int, *, actor: str, at: datetime
) -> None:
    """End a silence at ``at`` (notifications resume at the next evaluation) and audit it."""
    with conn.transaction():
        row = conn.execute(
            "UPDATE silence SET ends_at = greatest(starts_at + interval '1 microsecond', %s), "
            "expired_by = %s WHERE id = %s AND ends_at > %s RETURNING id",
            (at, actor, silence_id, at),
        ).fetchone()
        if row is None:
            raise SilenceError(f"silence {silence_id} does not exist or has already ended")
        record_action(
            conn,
            actor=actor,
            action="silence.expire",
            target_type="silence",
            target_id=str(silence_id),
            at=at,
        )


def active_silences(conn: psycopg.Connection[Any], at: datetime) -> list[Silence]:
    """The silences in force at ``at``."""
    rows = conn.execute(
        "SELECT id, matchers, created_by, reason, starts_at, ends_at, expired_by FROM silence "
        "WHERE starts_at <= %s AND ends_at > %s ORDER BY id",
        (at, at),
    ).fetchall()
    return [Silence(*r) for r in rows]


def list_silences(
    conn: psycopg.Connection[Any], at: datetime, *, include_ended: bool
) -> list[Silence]:
    """Silences in force or still to come at ``at`` (and ended ones when asked)."""
    rows = conn.execute(
        "SELECT id, matchers, created_by, reason, starts_at, ends_at, expired_by FROM silence "
        "WHERE %s OR ends_at > %s ORDER BY id",
        (include_ended, at),
    ).fetchall()
    return [Silence(*r) for r in rows]


def silenced(silences: list[Silence], rule: str, labels: dict[str, str]) -> bool:
    """Whether any of ``silences`` mutes this alert."""
    return any(s.matches(rule, labels) for s in silences)
