"""Alert lifecycle on a simulated clock: transitions, hysteresis, repeats, grouping, messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alerts.engine import evaluate_alerts
from core.config import Settings
from core.database import Database
from core.store.events import append_events
from core.store.records import upsert_records
from metrics.engine import compute
from sandbox.generator import WorldSpec, iter_bundles
from sandbox.profile import load_profile
from sandbox.store_loader import rows
from tests.alerts.alert_world import (
    MINUTE,
    T0,
    add_exception,
    history,
    outbox,
    settings,
    states,
    step,
)

INVOICES = {"flow": "invoice_billing_to_erp"}
FLOWS = ["invoice_billing_to_erp", "payment_billing_to_erp", "account_crm_to_erp"]


def breaches(
    value: float, labels: dict[str, str] = INVOICES
) -> tuple[str, dict[str, str], float, str]:
    return ("sla_breaches", labels, value, "count")


def rule(**fields: object) -> dict[str, object]:
    return {"name": "invoice-breaches", "metric": "sla_breaches", "labels": INVOICES,
            "threshold": 0, "route": "#finance-ops", "owner": "finance", **fields}  # fmt: skip


def test_full_lifecycle_with_history_and_messages(db: Database) -> None:
    config = settings([rule(**{"for": "10m", "runbook_url": "https://wiki/runbook"})])
    add_exception(db, "sla_breaches", INVOICES, "in_big", 90_000, netsuite_invoice="ns_1")
    add_exception(db, "sla_breaches", INVOICES, "in_small", 1_000)
    add_exception(db, "sla_breaches", {"flow": "payment_billing_to_erp"}, "in_other", 5)

    step(db, config, T0, [breaches(0)])
    assert states(db, "invoice-breaches") == {'{"flow": "invoice_billing_to_erp"}': "inactive"}
    step(db, config, T0 + 5 * MINUTE, [breaches(2)])
    step(db, config, T0 + 10 * MINUTE, [breaches(2)])
    assert outbox(db) == []
    report = step(db, config, T0 + 15 * MINUTE, [breaches(2)])
    assert [(c.from_state, c.to_state) for c in report.changes] == [("pending", "firing")]
    [post] = outbox(db)
    assert post.kind == "post" and post.channel == "#finance-ops" and post.parent_id is None
    message = post.message
    assert message["state"] == "firing" and message["rule"] == "invoice-breaches"
    assert message["runbook_url"] == "https://wiki/runbook"
    assert message["dashboard_url"] == "https://syncwatch.example.com/finance?rule=invoice-breaches"
    [line] = message["lines"]
    assert line["value"] == 2 and line["threshold"] == 0 and line["op"] == ">"
    assert line["records_affected"] == 2
    assert line["money"] == [{"amount_minor": 91_000, "currency": "USD"}]
    top = line["top_records"]
    assert [r["ids"] for r in top] == [
        {"stripe": "in_big", "netsuite": "ns_1"},
        {"stripe": "in_small"},
    ]
    assert top[0]["url"] == "https://syncwatch.example.com/record?system=stripe&id=in_big"

    step(db, config, T0 + 2 * 60 * MINUTE + 25 * MINUTE, [breaches(0)])
    assert history(db, "invoice-breaches") == [
        (None, "inactive"),
        ("inactive", "pending"),
        ("pending", "firing"),
        ("firing", "resolved"),
    ]
    post, update, reply = outbox(db)
    assert (update.kind, update.parent_id, update.message["state"]) == (
        "update",
        post.id,
        "resolved",
    )
    assert (reply.kind, reply.parent_id) == ("reply", post.id)
    assert reply.message["text"] == "Resolved after 2 h 10 min"


def test_pending_that_recovers_goes_back_to_inactive_silently(db: Database) -> None:
    config = settings([rule(**{"for": "30m"})])
    step(db, config, T0, [breaches(1)])
    step(db, config, T0 + 10 * MINUTE, [breaches(0)])
    assert history(db, "invoice-breaches")[1:] == [("inactive", "pending"), ("pending", "inactive")]
    assert outbox(db) == []


def test_rerunning_an_evaluation_enqueues_nothing_twice(db: Database) -> None:
    config = settings([rule()])
    step(db, config, T0, [breaches(3)])
    first = outbox(db)
    again = evaluate_alerts(db, config, T0)
    assert again.changes == [] and outbox(db) == first and len(first) == 1


def test_flapping_value_does_not_storm(db: Database) -> None:
    config = settings(
        [{"name": "attainment", "metric": "sla_attainment", "labels": INVOICES, "op": "<",
          "threshold": 0.95, "resolve_threshold": 0.97, "for": "10m", "keep_firing_for": "30m",
          "route": "#finance-ops", "repeat_interval": "4h"}]
    )  # fmt: skip
    at = T0
    for i in range(48):  # four hours every five minutes, hovering: never breaches for 10 minutes
        step(db, config, at, [("sla_attainment", INVOICES, 0.94 if i % 2 else 0.96, "ratio")])
        at += 5 * MINUTE
    assert outbox(db) == []
    for _ in range(4):  # a real breach
        step(db, config, at, [("sla_attainment", INVOICES, 0.90, "ratio")])
        at += 5 * MINUTE
    for i in range(144):  # twelve hours hovering again: inside the hysteresis band
        step(db, config, at, [("sla_attainment", INVOICES, 0.94 if i % 2 else 0.96, "ratio")])
        at += 5 * MINUTE
    rows = outbox(db)
    assert [r.kind for r in rows].count("post") == 1
    # Only the repeats every four hours: each an update and its thread reply.
    assert [r.kind for r in rows] == ["post"] + ["update", "reply"] * 3
    transitions = history(db, "attainment")
    assert transitions[-1] == ("pending", "firing")
    assert ("firing", "resolved") not in transitions


def test_flapping_count_is_held_by_keep_firing_for(db: Database) -> None:
    config = settings([rule(keep_firing_for="30m", repeat_interval="24h")])
    for i in range(60):
        step(db, config, T0 + 10 * i * MINUTE, [breaches(4 if i % 2 else 0)])
    kinds = [r.kind for r in outbox(db)]
    assert kinds.count("post") == 1
    # Value changes are batched into at most one update per update_interval (15m).
    assert kinds.count("update") <= 10 * 60 // 15
    assert ("firing", "resolved") not in history(db, "invoice-breaches")


def test_repeat_while_firing(db: Database) -> None:
    config = settings([rule(repeat_interval="1h")])
    for i in range(19):  # three hours, every ten minutes
        step(db, config, T0 + 10 * i * MINUTE, [breaches(5)])
    rows = outbox(db)
    assert [r.kind for r in rows] == ["post"] + ["update", "reply"] * 3
    replies = [r.message["text"] for r in rows if r.kind == "reply"]
    assert replies[0].startswith("Still firing after 1 h: Invoices → ERP at 5")
    assert all(r.parent_id == rows[0].id for r in rows[1:])


def test_one_message_for_a_rule_breaching_on_three_flows(db: Database) -> None:
    config = settings(
        [{"name": "breaches", "metric": "sla_breaches", "threshold": 0, "route": "#sync-alerts"}]
    )
    step(db, config, T0, [breaches(i + 1, {"flow": f}) for i, f in enumerate(FLOWS)])
    [post] = outbox(db)
    assert sorted(line["labels"]["flow"] for line in post.message["lines"]) == sorted(FLOWS)

    more = [*FLOWS, "amendment_crm_to_billing"]
    step(db, config, T0 + 5 * MINUTE, [breaches(1, {"flow": f}) for f in more])
    assert len(outbox(db)) == 1  # the change waits for the update interval
    step(db, config, T0 + 20 * MINUTE, [breaches(1, {"flow": f}) for f in more])
    post, update, reply = outbox(db)
    assert len(update.message["lines"]) == 4 and update.parent_id == post.id
    assert "new: Amendments → subscriptions at 1" in reply.message["text"]


def test_group_by_splits_messages(db: Database) -> None:
    config = settings(
        [{"name": "breaches", "metric": "sla_breaches", "threshold": 0, "route": "#sync-alerts",
          "group_by": ["flow"]}]
    )  # fmt: skip
    step(db, config, T0, [breaches(1, {"flow": f}) for f in FLOWS])
    assert [r.kind for r in outbox(db)] == ["post"] * 3


def test_aggregate_sums_age_buckets_into_one_line(db: Database) -> None:
    config = settings(
        [{"name": "posting", "metric": "posting_failures", "aggregate": "sum", "threshold": 0,
          "route": "#finance-ops"}]
    )  # fmt: skip
    values = [("posting_failures", {"age_bucket": b}, v, "count")
              for b, v in (("lt_1h", 1), ("1h_24h", 0), ("1d_7d", 2), ("gt_7d", 0))]  # fmt: skip
    step(db, config, T0, values)
    [post] = outbox(db)
    [line] = post.message["lines"]
    assert line["value"] == 3 and line["labels"] == {}


def test_resolve_after_keep_firing_for(db: Database) -> None:
    config = settings([rule(keep_firing_for="30m")])
    step(db, config, T0, [breaches(1)])
    for minutes in (10, 20, 30):
        step(db, config, T0 + minutes * MINUTE, [breaches(0)])
    assert states(db, "invoice-breaches") == {'{"flow": "invoice_billing_to_erp"}': "firing"}
    step(db, config, T0 + timedelta(minutes=40), [breaches(0)])
    assert states(db, "invoice-breaches") == {'{"flow": "invoice_billing_to_erp"}': "resolved"}


def load_world(db: Database, at: datetime) -> None:
    spec = WorldSpec(seed=5, profile=load_profile("default").model_copy(update={"accounts": 120}),
                     now=at)  # fmt: skip
    with db.connection() as conn:
        for loaded in rows(iter_bundles(spec), at):
            upsert_records(conn, loaded.records, at=at)
            append_events(conn, loaded.events)


def test_default_rules_over_a_seeded_world(db: Database) -> None:
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    load_world(db, now)
    config = Settings()
    for minutes in (0, 20):
        compute(db, config, now + minutes * MINUTE)
        evaluate_alerts(db, config, now + minutes * MINUTE)
    posts = [r for r in outbox(db) if r.kind == "post"]
    by_rule = {r.message["rule"]: r for r in posts}
    assert {"posting-failures", "sla-breaches.invoice_billing_to_erp"} <= set(by_rule)
    posting = by_rule["posting-failures"]
    assert posting.channel == "#finance-ops" and posting.message["severity"] == "critical"
    [line] = posting.message["lines"]
    assert line["records_affected"] == line["value"] > 0
    assert line["money"] and 0 < len(line["top_records"]) <= 5
    amounts = [r["amount"]["amount_minor"] for r in line["top_records"] if r["amount"]]
    assert amounts == sorted(amounts, reverse=True)
    assert all(r["ids"]["stripe"].startswith("in_") for r in line["top_records"])
    # Named as people know them: the invoice's number and its customer, not the Stripe id.
    assert all(
        r["label"].startswith("Stripe invoice ") and " · " in r["label"]
        and r["ids"]["stripe"] not in r["label"]
        for r in line["top_records"]
    )  # fmt: skip
    assert posting.message["summary"].startswith(
        f"Invoice failed to post: now {line['records_affected']}."
    )
    assert len({r.key for r in outbox(db)}) == len(outbox(db))
