"""Account match suggestions and the RevOps decisions on them (the identity map).

Every live CRM account with no effective link in a system (the link rule, overridden by the
latest confirmed identity-map entry: the same ``customer_link`` every metric reads) gets its
best candidate customers in that system, from the customers not themselves linked to a live
account: same domain (1.0), same normalised name (0.95), then fuzzy name (ratio × 0.9). The
exact matches are SQL joins; the fuzzy one runs in rapidfuzz on blocks of names (metrics.names).
A confirmed pair is an ``account_link`` row, which every metric honours from the next compute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import psycopg
from psycopg import sql

from core.audit import record_action
from core.errors import SyncwatchError
from core.sqlfiles import query, run_script, sql_text, tune_session
from metrics.names import fuzzy_matches

SYSTEMS = ("netsuite", "stripe")
"""Systems whose customers link to CRM accounts."""
LINK_TABLES = ("identity_link", "flow_record", "live_account", "customer_link")
"""The sql/flows scripts that give live accounts and customers' effective links, in order."""
FUZZY_WEIGHT = 0.9
"""A fuzzy match's score is its ratio scaled below every exact match."""
# Mailbox providers shared by unrelated customers: an address there names no company.
SHARED_DOMAINS = (
    "gmail.com", "googlemail.com", "yahoo.com", "outlook.com", "hotmail.com", "live.com",
    "icloud.com", "me.com", "aol.com", "proton.me", "protonmail.com", "gmx.de", "gmx.net",
    "web.de", "mail.com", "yandex.ru", "qq.com", "163.com",
)  # fmt: skip

Decision = Literal["confirmed", "rejected"]


class MatchError(SyncwatchError):
    """A match decision naming an unknown system, account or customer."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class Suggestion:
    """One suggested customer for an unlinked account, as the dashboard shows it."""

    system: str
    crm_account_id: str
    account_name: str | None
    arr_minor: int | None
    currency: str | None
    customer_id: str
    customer_name: str | None
    score: float
    method: str
    reason: str
    computed_at: datetime


def _sql(name: str) -> sql.SQL:
    """One statement of sql/matching."""
    return query(sql_text("matching", name))


def _check_systems(systems: Sequence[str]) -> None:
    unknown = sorted(set(systems) - set(SYSTEMS))
    if unknown:
        raise MatchError(f"unknown system {unknown[0]!r}: expected one of {', '.join(SYSTEMS)}")


def refresh_suggestions(
    conn: psycopg.Connection[Any],
    now: datetime,
    *,
    systems: Sequence[str] = SYSTEMS,
    limit_per_account: int = 3,
) -> int:
    """Recompute every unlinked account's best candidates and replace the stored ones.

    Runs in one transaction (a savepoint inside the caller's); returns the suggestions stored.
    """
    _check_systems(systems)
    if limit_per_account < 1:
        raise ValueError("limit_per_account must be at least 1")
    params: dict[str, Any] = {
        "now": now,
        "systems": list(systems),
        "shared_domains": list(SHARED_DOMAINS),
        "limit": limit_per_account,
    }
    with conn.transaction():
        conn.execute(_sql("lock"))
        tune_session(conn)
        for script in LINK_TABLES:
            run_script(conn, sql_text("flows", script), params)
        run_script(conn, sql_text("matching", "candidates"), params)
        run_script(conn, sql_text("matching", "exact"), params)
        for system in systems:
            _add_fuzzy(conn, system, limit_per_account)
        run_script(conn, sql_text("matching", "store"), params)
        row = conn.execute(_sql("stored_count"), params).fetchone()
        run_script(conn, sql_text("matching", "cleanup"), params)
    assert row is not None
    return int(row[0])


def _add_fuzzy(conn: psycopg.Connection[Any], system: str, per_account: int) -> None:
    params = {"system": system}
    accounts = conn.execute(_sql("fuzzy_accounts"), params).fetchall()
    if not accounts:
        return
    customers = conn.execute(_sql("fuzzy_customers"), params).fetchall()
    rejected = conn.execute(_sql("rejected"), params).fetchall()
    excluded: list[tuple[int, int]] = []
    if rejected:
        account_index = {a: i for i, (a, _) in enumerate(accounts)}
        customer_index = {c: j for j, (c, _) in enumerate(customers)}
        excluded = [
            (account_index[a], customer_index[c])
            for a, c in rejected
            if a in account_index and c in customer_index
        ]
    found = fuzzy_matches(
        [n for _, n in accounts],
        [n for _, n in customers],
        per_account=per_account,
        excluded=excluded,
    )
    with conn.cursor().copy(_sql("fuzzy_copy")) as copy:
        for i, j, ratio in zip(
            found.account.tolist(), found.customer.tolist(), found.ratio.tolist(), strict=True
        ):
            copy.write_row(
                (system, accounts[i][0], customers[j][0], round(ratio / 100 * FUZZY_WEIGHT, 4),
                 round(ratio))
            )  # fmt: skip


def confirm_match(
    conn: psycopg.Connection[Any],
    *,
    system: str,
    crm_account_id: str,
    customer_id: str,
    actor: str,
    at: datetime,
    score: float | None = None,
    method: str | None = None,
    reason: str | None = None,
) -> int:
    """Link the customer to the account in the identity map (audited); returns the link id.

    Every metric uses the link from the next compute. The account's and the customer's other
    suggestions in that system go too: both are linked now, so none of them still applies.
    """
    return _decide(
        conn, "confirmed", system, crm_account_id, customer_id, actor, at, score, method, reason
    )


def reject_match(
    conn: psycopg.Connection[Any],
    *,
    system: str,
    crm_account_id: str,
    customer_id: str,
    actor: str,
    at: datetime,
    score: float | None = None,
    method: str | None = None,
    reason: str | None = None,
) -> int:
    """Record that the pair is not a match (audited), so it is never suggested again."""
    return _decide(
        conn, "rejected", system, crm_account_id, customer_id, actor, at, score, method, reason
    )


def _decide(
    conn: psycopg.Connection[Any],
    decision: Decision,
    system: str,
    crm_account_id: str,
    customer_id: str,
    actor: str,
    at: datetime,
    score: float | None,
    method: str | None,
    reason: str | None,
) -> int:
    _check_systems([system])
    if not actor.strip():
        raise MatchError("a match decision needs the name of who made it")
    pair = {"system": system, "account": crm_account_id, "customer": customer_id}
    with conn.transaction():
        _require_record(conn, "salesforce", "account", crm_account_id)
        _require_record(conn, system, "customer", customer_id)
        evidence = conn.execute(_sql("evidence"), pair).fetchone()
        # Deciding on a suggestion records its evidence unless the caller states its own.
        if evidence is not None:
            score = evidence[0] if score is None else score
            method = evidence[1] if method is None else method
            reason = evidence[2] if reason is None else reason
        previous = conn.execute(_sql("previous_decision"), pair).fetchone()
        row = conn.execute(
            _sql("decide"),
            {**pair, "decision": decision, "method": method, "score": score,
             "reason": reason, "actor": actor, "at": at},
        ).fetchone()  # fmt: skip
        assert row is not None
        link_id = int(row[0])
        record_action(
            conn,
            actor=actor,
            action="match.confirm" if decision == "confirmed" else "match.reject",
            target_type="account_link",
            target_id=str(link_id),
            details={
                "system": system, "crm_account_id": crm_account_id, "customer_id": customer_id,
                "score": score, "method": method, "reason": reason,
                "previous": None if previous is None else
                {"decision": previous[0], "decided_by": previous[1], "decided_at": previous[2]},
            },
            at=at,
        )  # fmt: skip
        conn.execute(_sql("drop_confirmed" if decision == "confirmed" else "drop_rejected"), pair)
    return link_id


def _require_record(
    conn: psycopg.Connection[Any], system: str, object_type: str, external_id: str
) -> None:
    found = conn.execute(
        _sql("record_exists"),
        {"system": system, "object_type": object_type, "external_id": external_id},
    ).fetchone()
    if found is None:
        raise MatchError(f"no {system} {object_type} {external_id!r} in the store")


def suggestions(
    conn: psycopg.Connection[Any],
    *,
    system: str | None = None,
    crm_account_id: str | None = None,
    limit: int = 100,
) -> list[Suggestion]:
    """The stored suggestions, best first (then the account's ARR, largest first)."""
    rows = conn.execute(
        _sql("suggestions"), {"system": system, "account": crm_account_id, "limit": limit}
    ).fetchall()
    return [Suggestion(*row) for row in rows]
