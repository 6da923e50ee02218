"""Local dashboard users: argon2 password hashes, roles, and throttled sign-in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final, Literal

import psycopg
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from core.audit import record_action
from core.config.models import Role
from core.roles import Identity, valid_roles

FREE_ATTEMPTS: Final = 10
FIRST_LOCKOUT: Final = timedelta(seconds=30)
MAX_LOCKOUT: Final = timedelta(minutes=15)

_HASHER = PasswordHasher()
# Verified when the name is unknown, so a wrong name costs as much time as a wrong password.
_DUMMY_HASH = _HASHER.hash("not a password anyone has")


class UserError(ValueError):
    """A user could not be added or changed (unknown name, no roles, empty password)."""


@dataclass(frozen=True, slots=True)
class SignIn:
    """The outcome of one sign-in attempt."""

    outcome: Literal["ok", "wrong", "locked", "disabled"]
    identity: Identity | None = None
    retry_after: timedelta | None = None

    @property
    def message(self) -> str:
        """What to tell the person at the sign-in form."""
        if self.outcome == "ok":
            return "Signed in."
        if self.outcome == "locked" and self.retry_after is not None:
            seconds = max(1, int(self.retry_after.total_seconds()))
            return (
                "Too many wrong passwords in a row for this user: sign-in is paused. "
                f"Try again in {seconds} s."
            )
        if self.outcome == "disabled":
            return "This user is disabled. Ask an administrator."
        return "Wrong user name or password."


@dataclass(frozen=True, slots=True)
class UserRow:
    """One local user as an administrator sees it (never the hash)."""

    name: str
    roles: tuple[str, ...]
    disabled: bool
    failed_logins: int
    last_failed_at: datetime | None
    created_at: datetime


def lockout(failed_logins: int) -> timedelta:
    """How long sign-in pauses after ``failed_logins`` wrong passwords in a row."""
    if failed_logins < FREE_ATTEMPTS:
        return timedelta(0)
    return min(FIRST_LOCKOUT * (1 << min(failed_logins - FREE_ATTEMPTS, 16)), MAX_LOCKOUT)


def hash_password(password: str) -> str:
    """The argon2id hash of ``password``."""
    if not password:
        raise UserError("the password must not be empty")
    return _HASHER.hash(password)


def add_user(
    conn: psycopg.Connection[Any],
    name: str,
    password: str,
    roles: Iterable[str],
    *,
    actor: str,
    at: datetime,
) -> None:
    """Create ``name`` (or replace its password and roles) and audit it."""
    granted = sorted(valid_roles(roles))
    unknown = sorted(set(roles) - set(granted))
    if unknown:
        raise UserError(f"unknown role(s): {', '.join(unknown)}")
    if not granted:
        raise UserError("give the user at least one role")
    if not name.strip():
        raise UserError("the user name must not be empty")
    with conn.transaction():
        conn.execute(
            "INSERT INTO app_user (name, password_hash, roles, created_at) "
            "VALUES (%s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET "
            "password_hash = EXCLUDED.password_hash, roles = EXCLUDED.roles, "
            "failed_logins = 0, last_failed_at = NULL",
            (name, hash_password(password), granted, at),
        )
        record_action(
            conn, actor=actor, action="user.add", target_type="app_user", target_id=name,
            details={"roles": granted}, at=at,
        )  # fmt: skip


def set_disabled(
    conn: psycopg.Connection[Any], name: str, disabled: bool, *, actor: str, at: datetime
) -> None:
    """Disable or re-enable ``name`` and audit it."""
    with conn.transaction():
        cur = conn.execute("UPDATE app_user SET disabled = %s WHERE name = %s", (disabled, name))
        if cur.rowcount == 0:
            raise UserError(f"no user named {name!r}")
        record_action(
            conn, actor=actor, action="user.disable" if disabled else "user.enable",
            target_type="app_user", target_id=name, at=at,
        )  # fmt: skip


def list_users(conn: psycopg.Connection[Any]) -> list[UserRow]:
    """Every local user, by name."""
    rows = conn.execute(
        "SELECT name, roles, disabled, failed_logins, last_failed_at, created_at "
        "FROM app_user ORDER BY name"
    ).fetchall()
    return [UserRow(n, tuple(r), d, f, lf, c) for n, r, d, f, lf, c in rows]


def sign_in(conn: psycopg.Connection[Any], name: str, password: str, at: datetime) -> SignIn:
    """Check a password, counting failures and pausing sign-in after ten in a row."""
    with conn.transaction():
        row = conn.execute(
            "SELECT password_hash, roles, disabled, failed_logins, last_failed_at "
            "FROM app_user WHERE name = %s FOR UPDATE",
            (name,),
        ).fetchone()
        if row is None:
            _verify(_DUMMY_HASH, password)
            return SignIn("wrong")
        stored, roles, disabled, failed, last_failed = row
        if last_failed is not None:
            until = last_failed + lockout(failed)
            if at < until:
                return SignIn("locked", retry_after=until - at)
        if not stored or not _verify(stored, password):
            failed_now = conn.execute(
                "UPDATE app_user SET failed_logins = failed_logins + 1, last_failed_at = %s "
                "WHERE name = %s RETURNING failed_logins",
                (at, name),
            ).fetchone()
            assert failed_now is not None
            record_action(
                conn, actor=name, action="sign_in.failed", target_type="app_user",
                target_id=name, details={"failed_logins": failed_now[0]}, at=at,
            )  # fmt: skip
            pause = lockout(int(failed_now[0]))
            if pause:
                return SignIn("locked", retry_after=pause)
            return SignIn("wrong")
        if disabled:
            return SignIn("disabled")
        conn.execute(
            "UPDATE app_user SET failed_logins = 0, last_failed_at = NULL WHERE name = %s",
            (name,),
        )
        if _HASHER.check_needs_rehash(stored):
            conn.execute(
                "UPDATE app_user SET password_hash = %s WHERE name = %s",
                (_HASHER.hash(password), name),
            )
        record_action(
            conn, actor=name, action="sign_in", target_type="app_user", target_id=name, at=at
        )
        return SignIn("ok", Identity(name, valid_roles(roles), "local"))


def _verify(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def user_roles(conn: psycopg.Connection[Any], name: str) -> frozenset[Role]:
    """The current roles of an enabled user (empty once disabled or removed)."""
    row = conn.execute(
        "SELECT roles FROM app_user WHERE name = %s AND NOT disabled", (name,)
    ).fetchone()
    return valid_roles(row[0]) if row else frozenset()
