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
# A name's failures are forgotten after a day without one.
FORGET_AFTER: Final = timedelta(days=1)
MAX_NAME_LENGTH: Final = 200

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
    email: str | None = None


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


def _granted(roles: Iterable[str]) -> list[Role]:
    """The roles to store, sorted; ``UserError`` for an unknown role or none at all."""
    wanted = set(roles)
    granted = sorted(valid_roles(wanted))
    unknown = sorted(wanted - set(granted))
    if unknown:
        raise UserError(f"unknown role(s): {', '.join(unknown)}")
    if not granted:
        raise UserError("give the user at least one role")
    return granted


def add_user(
    conn: psycopg.Connection[Any],
    name: str,
    password: str,
    roles: Iterable[str],
    *,
    actor: str,
    at: datetime,
    email: str | None = None,
) -> None:
    """Create ``name`` (or replace its password, roles and e-mail address) and audit it."""
    granted = _granted(roles)
    address = _email(email)
    if not name.strip():
        raise UserError("the user name must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise UserError(f"the user name must be at most {MAX_NAME_LENGTH} characters")
    with conn.transaction():
        _check_email_free(conn, name, address)
        conn.execute(
            "INSERT INTO app_user (name, password_hash, roles, created_at, email) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (name) DO UPDATE SET "
            "password_hash = EXCLUDED.password_hash, roles = EXCLUDED.roles, "
            "email = coalesce(EXCLUDED.email, app_user.email)",
            (name, hash_password(password), granted, at, address),
        )
        conn.execute("DELETE FROM sign_in_throttle WHERE name = %s", (name,))
        record_action(
            conn, actor=actor, action="user.add", target_type="app_user", target_id=name,
            details={"roles": granted, **({"email": address} if address else {})}, at=at,
        )  # fmt: skip


def create_user(
    conn: psycopg.Connection[Any],
    name: str,
    password: str,
    roles: Iterable[str],
    *,
    actor: str,
    at: datetime,
    email: str | None = None,
) -> None:
    """Create a new user ``name``; an existing name is refused, never overwritten."""
    if conn.execute("SELECT 1 FROM app_user WHERE name = %s", (name,)).fetchone():
        raise UserError(f"a user named {name!r} already exists: change its roles or password")
    add_user(conn, name, password, roles, actor=actor, at=at, email=email)


def _email(value: str | None) -> str | None:
    """A plausible e-mail address, trimmed (None or blank: none); ``UserError`` otherwise."""
    if value is None or not value.strip():
        return None
    address = value.strip()
    local, at_sign, domain = address.rpartition("@")
    if (
        not at_sign
        or not local
        or "." not in domain
        or len(address) > MAX_NAME_LENGTH
        or any(c.isspace() for c in address)
    ):
        raise UserError(f"{address!r} is not an e-mail address (e.g. alice@example.com)")
    return address


def _check_email_free(conn: psycopg.Connection[Any], name: str, email: str | None) -> None:
    if email is None:
        return
    other = conn.execute(
        "SELECT name FROM app_user WHERE lower(email) = lower(%s) AND name <> %s", (email, name)
    ).fetchone()
    if other is not None:
        raise UserError(f"{email} is already the e-mail address of the user {other[0]!r}")


def set_email(
    conn: psycopg.Connection[Any], name: str, email: str | None, *, actor: str, at: datetime
) -> None:
    """Set (or with None, clear) the e-mail address of ``name`` and audit it."""
    address = _email(email)
    with conn.transaction():
        _check_email_free(conn, name, address)
        row = conn.execute(
            "SELECT email FROM app_user WHERE name = %s FOR UPDATE", (name,)
        ).fetchone()
        if row is None:
            raise UserError(f"no user named {name!r}")
        conn.execute("UPDATE app_user SET email = %s WHERE name = %s", (address, name))
        record_action(
            conn, actor=actor, action="user.email", target_type="app_user", target_id=name,
            details={"from": row[0], "to": address}, at=at,
        )  # fmt: skip


def user_email(conn: psycopg.Connection[Any], name: str) -> str | None:
    """The e-mail address of the user ``name``, if one is set."""
    row = conn.execute("SELECT email FROM app_user WHERE name = %s", (name,)).fetchone()
    return None if row is None else row[0]


def user_by_email(conn: psycopg.Connection[Any], email: str) -> str | None:
    """The name of the user with this e-mail address (any case), if there is one."""
    row = conn.execute(
        "SELECT name FROM app_user WHERE lower(email) = lower(%s)", (email.strip(),)
    ).fetchone()
    return None if row is None else str(row[0])


def set_roles(
    conn: psycopg.Connection[Any], name: str, roles: Iterable[str], *, actor: str, at: datetime
) -> None:
    """Replace the roles of ``name`` and audit the change (old and new roles)."""
    granted = _granted(roles)
    with conn.transaction():
        row = conn.execute(
            "SELECT roles FROM app_user WHERE name = %s FOR UPDATE", (name,)
        ).fetchone()
        if row is None:
            raise UserError(f"no user named {name!r}")
        conn.execute("UPDATE app_user SET roles = %s WHERE name = %s", (granted, name))
        record_action(
            conn, actor=actor, action="user.roles", target_type="app_user", target_id=name,
            details={"from": sorted(row[0]), "to": granted}, at=at,
        )  # fmt: skip


def reset_password(
    conn: psycopg.Connection[Any], name: str, password: str, *, actor: str, at: datetime
) -> None:
    """Give ``name`` a new password, lift any sign-in pause, and audit it (never the password)."""
    hashed = hash_password(password)
    with conn.transaction():
        cur = conn.execute("UPDATE app_user SET password_hash = %s WHERE name = %s", (hashed, name))
        if cur.rowcount == 0:
            raise UserError(f"no user named {name!r}")
        conn.execute("DELETE FROM sign_in_throttle WHERE name = %s", (name,))
        record_action(
            conn, actor=actor, action="user.password", target_type="app_user", target_id=name,
            at=at,
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
        "SELECT u.name, u.roles, u.disabled, coalesce(t.failed_logins, 0), t.last_failed_at, "
        "u.created_at, u.email FROM app_user u LEFT JOIN sign_in_throttle t USING (name) "
        "ORDER BY u.name"
    ).fetchall()
    return [UserRow(n, tuple(r), d, f, lf, c, e) for n, r, d, f, lf, c, e in rows]


def sign_in(conn: psycopg.Connection[Any], name: str, password: str, at: datetime) -> SignIn:
    """Check a password, pausing sign-in for a name after ten failures in a row.

    Failures are counted per attempted name whether or not a user has it, so guessing names
    is throttled like guessing passwords; every refused attempt is audited.
    """
    key = name[:MAX_NAME_LENGTH]
    with conn.transaction():
        conn.execute("DELETE FROM sign_in_throttle WHERE last_failed_at < %s", (at - FORGET_AFTER,))
        throttle = conn.execute(
            "SELECT failed_logins, last_failed_at FROM sign_in_throttle WHERE name = %s FOR UPDATE",
            (key,),
        ).fetchone()
        if throttle is not None:
            until = throttle[1] + lockout(throttle[0])
            if at < until:
                _audit_refusal(conn, key, "sign_in.locked", {"failed_logins": throttle[0]}, at)
                return SignIn("locked", retry_after=until - at)
        row = conn.execute(
            "SELECT password_hash, roles, disabled FROM app_user WHERE name = %s", (name,)
        ).fetchone()
        stored = row[0] if row is not None else None
        if stored is None:
            _verify(_DUMMY_HASH, password)  # an unknown name costs what a wrong password costs
        if stored is None or not _verify(stored, password):
            failed = conn.execute(
                "INSERT INTO sign_in_throttle AS t (name, failed_logins, last_failed_at) "
                "VALUES (%s, 1, %s) ON CONFLICT (name) DO UPDATE SET "
                "failed_logins = t.failed_logins + 1, last_failed_at = EXCLUDED.last_failed_at "
                "RETURNING failed_logins",
                (key, at),
            ).fetchone()
            assert failed is not None
            details = {"failed_logins": failed[0], "known_user": row is not None}
            _audit_refusal(conn, key, "sign_in.failed", details, at)
            pause = lockout(int(failed[0]))
            return SignIn("locked", retry_after=pause) if pause else SignIn("wrong")
        assert row is not None and stored is not None
        conn.execute("DELETE FROM sign_in_throttle WHERE name = %s", (key,))
        if row[2]:
            return SignIn("disabled")
        if _HASHER.check_needs_rehash(stored):
            conn.execute(
                "UPDATE app_user SET password_hash = %s WHERE name = %s",
                (_HASHER.hash(password), name),
            )
        record_action(
            conn, actor=name, action="sign_in", target_type="app_user", target_id=name, at=at
        )
        return SignIn("ok", Identity(name, valid_roles(row[1]), "local"))


def _audit_refusal(
    conn: psycopg.Connection[Any], name: str, action: str, details: dict[str, Any], at: datetime
) -> None:
    record_action(
        conn, actor=name, action=action, target_type="app_user", target_id=name,
        details=details, at=at,
    )  # fmt: skip


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
