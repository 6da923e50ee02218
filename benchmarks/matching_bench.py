"""Match suggestions at scale: 1M candidate customers, 50k unlinked accounts, one refresh.

Writes a company straight into a scratch database (names and websites from the sandbox's own
account generator), plants a true counterpart for most unlinked accounts (same domain, a name
variant, or a typo), times ``refresh_suggestions`` end to end, and prints beside it the raw
work measured in the same run: the same exact-domain and exact-name joins as one plain SQL
query, and the bare rapidfuzz loop over the same name blocks. Recall is over the planted pairs.

    .venv/bin/python benchmarks/matching_bench.py [--customers 1000000] [--accounts 50000]
"""

from __future__ import annotations

import argparse
import random
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg import sql
from rapidfuzz import fuzz, process

from core import migrations
from core.database import Database
from core.sqlfiles import run_script, sql_text
from core.store.records import CanonicalRecord, upsert_records
from metrics.matching import LINK_TABLES, refresh_suggestions
from metrics.names import FUZZY_CUTOFF, name_blocks, sorted_words
from sandbox.draw import Draw, Frame
from sandbox.gen_accounts import make_account
from sandbox.profile import load_profile

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
CREATED = NOW - timedelta(days=30)
LINKED_ACCOUNTS = 20_000
BATCH = 50_000
LEGAL_WORDS = {"Inc.", "LLC", "Ltd", "GmbH", "S.A.", "K.K.", "Co."}
VARIANT_SUFFIXES = ("Inc", "L.L.C.", "Ltd.", "GmbH", "S.A.", "Corp", "plc")
# Where each planted counterpart comes from, in shares of the unlinked accounts; the rest
# have no counterpart at all.
PLANTED = (("domain", 0.30), ("name", 0.25), ("typo", 0.25))


@dataclass(frozen=True, slots=True)
class Planted:
    """A true pair the refresh should suggest."""

    kind: str
    system: str
    account_id: str
    customer_id: str


def _account(frame: Frame, index: int) -> tuple[str, str, str | None]:
    a = make_account(Draw(frame, index))
    host = a.website.removeprefix("https://www.") if a.website else None
    return a.id, a.name, host


def _variant(name: str, rng: random.Random) -> str:
    words = name.split()
    core = words[:-1] if words[-1] in LEGAL_WORDS else words
    text = " ".join(core)
    return f"{text.upper() if rng.random() < 0.5 else text}, {rng.choice(VARIANT_SUFFIXES)}"


def _typo(name: str, rng: random.Random) -> str:
    words = name.split()
    w = rng.randrange(2)  # a word of the name, never its number
    word = words[w]
    at = rng.randrange(1, len(word) - 1)
    match rng.randrange(3):
        case 0:
            word = word[:at] + word[at + 1 :]
        case 1:
            word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
        case _:
            word = word[:at] + rng.choice("aeioulnrst") + word[at + 1 :]
    words[w] = word
    return " ".join(words)


def _customer(
    system: str, id_: str, name: str, domain: str | None, ref: str | None
) -> CanonicalRecord:
    return CanonicalRecord(
        system, "customer", id_, {"id": id_}, account_ref=ref, name=name, domain=domain,
        created_at=CREATED, updated_at=CREATED,
    )  # fmt: skip


def _crm(id_: str, name: str, domain: str | None, arr: int) -> CanonicalRecord:
    return CanonicalRecord(
        "salesforce", "account", id_, {"Id": id_}, account_ref=id_, name=name, domain=domain,
        amount_minor=arr, currency="USD", created_at=CREATED, updated_at=CREATED,
    )  # fmt: skip


def company(
    frame: Frame, customers: int, accounts: int, rng: random.Random, planted: list[Planted]
) -> Iterator[CanonicalRecord]:
    """Unlinked accounts with their planted counterparts, linked pairs, then orphan noise."""
    made = 0
    for k in range(accounts):
        id_, name, host = _account(frame, customers + k)
        yield _crm(id_, name, host, rng.randrange(6_000, 600_000) * 100)
        roll, kind = rng.random(), None
        for candidate, share in PLANTED:
            if roll < share:
                kind = candidate
                break
            roll -= share
        if kind is None:
            continue
        system = "stripe" if kind == "domain" or rng.random() < 0.7 else "netsuite"
        cid = f"{'cus' if system == 'stripe' else 'ns'}_true_{k}"
        if kind == "domain" and host:
            yield _customer(system, cid, f"Accounts Payable {k}", host, None)
        elif kind == "name":
            yield _customer(system, cid, _variant(name, rng), None, None)
        elif kind == "typo":
            yield _customer(system, cid, _typo(name, rng), None, None)
        else:
            continue
        planted.append(Planted(kind, system, id_, cid))
        made += 1
    for k in range(LINKED_ACCOUNTS):
        id_, name, host = _account(frame, customers + accounts + k)
        yield _crm(id_, name, host, 100_000_00)
        yield _customer("stripe", f"cus_linked_{k}", name, host, id_)
        yield _customer("netsuite", f"ns_linked_{k}", name, None, id_)
    for i in range(customers - made):
        _, name, host = _account(frame, i)
        if rng.random() < 0.7:
            ref = rng.choice((None, "", f"001GONE{i}"))
            yield _customer("stripe", f"cus_{i}", name, host, ref)
        else:
            yield _customer("netsuite", f"ns_{i}", name, None, None)


def load(db: Database, records: Iterator[CanonicalRecord]) -> int:
    """Write the records in batches through the store's own upsert."""
    total, batch = 0, []
    for record in records:
        batch.append(record)
        if len(batch) == BATCH:
            total += _write(db, batch)
            batch = []
    total += _write(db, batch)
    with db.connection(autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE source_record")
    return total


def _write(db: Database, batch: list[CanonicalRecord]) -> int:
    with db.connection() as conn, conn.transaction():
        upsert_records(conn, batch, at=NOW)
    return len(batch)


BASELINE_SQL = """
WITH live AS (
    SELECT external_id, name, domain FROM source_record
    WHERE system = 'salesforce' AND object_type = 'account' AND NOT is_deleted
), cust AS (
    SELECT system, external_id, name, domain, account_ref FROM source_record
    WHERE system IN ('netsuite', 'stripe') AND object_type = 'customer' AND NOT is_deleted
), unlinked AS (
    SELECT s.system, a.external_id, a.domain, pg_temp.match_name(a.name) AS norm
    FROM live a CROSS JOIN (VALUES ('netsuite'), ('stripe')) s (system)
    WHERE NOT EXISTS (SELECT 1 FROM cust c
                      WHERE c.system = s.system AND c.account_ref = a.external_id)
), candidate AS (
    SELECT c.system, c.external_id, c.domain, pg_temp.match_name(c.name) AS norm FROM cust c
    WHERE NOT EXISTS (SELECT 1 FROM live a WHERE a.external_id = c.account_ref)
)
SELECT (SELECT count(*) FROM unlinked a JOIN candidate c
        ON c.system = a.system AND c.domain = a.domain),
       (SELECT count(*) FROM unlinked a JOIN candidate c
        ON c.system = a.system AND c.norm = a.norm AND a.norm <> '')
"""


def baseline_sql(db: Database) -> tuple[float, tuple[int, int]]:
    """The exact joins as one plain query (normalising with the same SQL function)."""
    with db.connection() as conn:
        # Only the function's definition: the first statement of the candidates script.
        definition = sql_text("matching", "candidates").split(";\n")[0]
        body = "\n".join(s for s in definition.splitlines() if not s.startswith("--"))
        conn.execute(sql.SQL(body))
        started = time.perf_counter()
        row = conn.execute(BASELINE_SQL).fetchone()
        assert row is not None
        return time.perf_counter() - started, (int(row[0]), int(row[1]))


def raw_fuzzy(db: Database) -> dict[str, float]:
    """Blocking alone, then bare cdist over the same blocks the refresh uses (words sorted once)."""
    times = {"blocking": 0.0, "cdist": 0.0, "pairs": 0.0}
    with db.connection() as conn, conn.transaction():
        params = {"now": NOW, "systems": ["netsuite", "stripe"]}
        for script in LINK_TABLES:
            run_script(conn, sql_text("flows", script), params)
        run_script(conn, sql_text("matching", "candidates"), params)
        for system in ("netsuite", "stripe"):
            accounts = [r[0] for r in conn.execute(
                "SELECT norm FROM match_account WHERE system = %s AND norm <> '' "
                "ORDER BY account_id", (system,)).fetchall()]  # fmt: skip
            customers = [r[0] for r in conn.execute(
                "SELECT norm FROM match_customer WHERE system = %s AND norm <> '' "
                "ORDER BY customer_id", (system,)).fetchall()]  # fmt: skip
            started = time.perf_counter()
            blocks = name_blocks(accounts, customers)
            times["blocking"] += time.perf_counter() - started
            started = time.perf_counter()
            accounts = [sorted_words(n) for n in accounts]
            customers = [sorted_words(n) for n in customers]
            for a, c in blocks:
                process.cdist([accounts[i] for i in a], [customers[j] for j in c],
                              scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF,
                              workers=-1 if len(a) * len(c) >= 50_000 else 1)  # fmt: skip
            times["cdist"] += time.perf_counter() - started
            times["pairs"] += sum(len(a) * len(c) for a, c in blocks)
    return times


def recall(db: Database, planted: list[Planted]) -> None:
    """Share of planted pairs suggested at all, and ranked first."""
    with db.connection() as conn:
        rows = conn.execute(
            "SELECT system, crm_account_id, customer_id, row_number() OVER "
            "(PARTITION BY system, crm_account_id ORDER BY score DESC, customer_id) "
            "FROM match_suggestion"
        ).fetchall()
    rank = {(s, a, c): int(r) for s, a, c, r in rows}
    for kind in ("domain", "name", "typo", "all"):
        mine = [p for p in planted if kind in ("all", p.kind)]
        ranks = [rank.get((p.system, p.account_id, p.customer_id)) for p in mine]
        found = sum(r is not None for r in ranks) / len(mine)
        first = sum(r == 1 for r in ranks) / len(mine)
        print(f"  recall {kind:<6} n={len(mine):>6}  in top 3: {found:7.2%}  first: {first:7.2%}")


def main() -> None:
    """Build the scratch database, run the timings, drop it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="Keep the scratch database.")
    args = parser.parse_args()
    name = f"sw_bench_matching_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(args.database_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    head = args.database_url.rsplit("/", 1)[0]
    db = Database(f"{head}/{name}")
    try:
        migrations.upgrade(db)
        frame = Frame.build(args.seed, load_profile("default"), NOW, timedelta(0))
        planted: list[Planted] = []
        started = time.perf_counter()
        rows = load(db, company(frame, args.customers, args.accounts, random.Random(1), planted))
        print(f"loaded {rows:,} records in {time.perf_counter() - started:.1f} s "
              f"({args.customers:,} candidate customers, {args.accounts:,} unlinked accounts, "
              f"{LINKED_ACCOUNTS:,} linked accounts; {len(planted):,} planted pairs)")  # fmt: skip
        for run in ("cold", "warm"):
            started = time.perf_counter()
            with db.connection() as conn:
                stored = refresh_suggestions(conn, NOW)
            took = time.perf_counter() - started
            print(f"refresh_suggestions ({run}): {took:6.2f} s, {stored:,} suggestions stored")
        seconds, (by_domain, by_name) = baseline_sql(db)
        print(f"baseline plain SQL exact joins: {seconds:6.2f} s "
              f"({by_domain:,} domain pairs, {by_name:,} name pairs)")  # fmt: skip
        fuzzy = raw_fuzzy(db)
        print(f"baseline raw rapidfuzz on the same blocks: cdist {fuzzy['cdist']:6.2f} s over "
              f"{int(fuzzy['pairs']):,} pairs; blocking {fuzzy['blocking']:.2f} s")  # fmt: skip
        recall(db, planted)
    finally:
        if not args.keep:
            with psycopg.connect(args.database_url, autocommit=True) as admin:
                admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


if __name__ == "__main__":
    main()
