"""A sick source or a stopped compute holds dependent alerts as stale: never resolved."""

from __future__ import annotations

from datetime import datetime

from alerts.defaults import METRICS_STALE, SOURCE_UNHEALTHY
from alerts.engine import evaluate_alerts
from core.config import Settings
from core.database import Database
from tests.alerts.alert_world import (
    MINUTE,
    T0,
    history,
    outbox,
    set_health,
    settings,
    states,
    step,
    write_metrics,
)

SOURCES = {
    "billing": {"type": "stripe", "api_key_env": "STRIPE_KEY"},
    "erp": {
        "type": "netsuite",
        "base_url": "http://127.0.0.1:1",
        "account_id": "123_SB1",
        "auth": {
            "method": "oauth1",
            "consumer_key_env": "A",
            "consumer_secret_env": "B",
            "token_id_env": "C",
            "token_secret_env": "D",
        },
    },
    "logs": {"type": "middleware_logs", "path": "/tmp/none/*.jsonl"},
    "tickets": {
        "type": "zendesk",
        "base_url": "http://127.0.0.1:2",
        "email": "a@b.c",
        "api_token_env": "Z",
    },
}
POSTING = {"name": "posting", "metric": "posting_failures", "aggregate": "sum", "threshold": 0,
           "route": "#finance-ops", "keep_firing_for": "10m"}  # fmt: skip
ALL = "{}"


def config() -> Settings:
    return settings([POSTING], sources=SOURCES)


def failures(n: float) -> list[tuple[str, dict[str, str], float, str]]:
    return [("posting_failures", {"age_bucket": "lt_1h"}, n, "count")]


def poll_all(
    db: Database, at: datetime, *, except_: str | None = None, healthy: bool = True
) -> None:
    for name in SOURCES:
        if name != except_:
            set_health(db, name, at)
    if except_ is not None and not healthy:
        set_health(db, except_, at, healthy=False)


def test_unhealthy_source_raises_root_cause_and_holds_dependents_stale(db: Database) -> None:
    cfg = config()
    poll_all(db, T0)
    step(db, cfg, T0, failures(3))
    assert states(db, "posting") == {ALL: "firing"}

    at = T0
    for _ in range(12):  # two hours with billing failing; the compute now sees zero failures
        at += 10 * MINUTE
        poll_all(db, at, except_="billing", healthy=False)
        step(db, cfg, at, failures(0))
    assert states(db, "posting") == {ALL: "stale"}
    assert ("stale", "resolved") not in history(db, "posting")
    assert ("firing", "resolved") not in history(db, "posting")
    assert states(db, SOURCE_UNHEALTHY) == {
        '{"source": "billing"}': "firing",
        '{"source": "erp"}': "inactive",
        '{"source": "logs"}': "inactive",
        '{"source": "tickets"}': "inactive",
    }
    rows = outbox(db)
    posting = [r for r in rows if r.channel == "#finance-ops"]
    assert [r.kind for r in posting] == ["post", "update", "reply"]
    assert posting[1].message["state"] == "stale"
    assert "source billing (stripe) is unhealthy: HTTP 401" in posting[2].message["text"]
    assert "not resolved" in posting[2].message["text"]
    root = [r for r in rows if r.message.get("rule") == SOURCE_UNHEALTHY]
    assert [r.kind for r in root] == ["post"]
    assert root[0].message["lines"][0]["labels"] == {"source": "billing"}

    for _ in range(3):  # billing recovers and the failures really are gone
        at += 10 * MINUTE
        poll_all(db, at)
        step(db, cfg, at, failures(0))
    assert history(db, "posting")[-3:] == [
        ("firing", "stale"),
        ("stale", "firing"),
        ("firing", "resolved"),
    ]
    resolved = [r for r in outbox(db) if r.channel == "#finance-ops"][-2:]
    assert resolved[0].message["state"] == "resolved"
    assert resolved[1].message["text"].startswith("Resolved after 2 h")


def test_unrelated_source_does_not_hold_the_alert(db: Database) -> None:
    cfg = config()
    poll_all(db, T0, except_="tickets", healthy=False)
    step(db, cfg, T0, failures(2))
    assert states(db, "posting") == {ALL: "firing"}


def test_stopped_collector_is_stale_not_resolved(db: Database) -> None:
    cfg = config()
    poll_all(db, T0)
    step(db, cfg, T0, failures(1))
    at = T0
    for _ in range(18):  # three hours: the logs collector silently stops, still "healthy"
        at += 10 * MINUTE
        poll_all(db, at, except_="logs")
        step(db, cfg, at, failures(0))
    assert states(db, "posting") == {ALL: "stale"}
    assert ("firing", "resolved") not in history(db, "posting")
    assert states(db, SOURCE_UNHEALTHY)['{"source": "logs"}'] == "inactive"
    with db.connection() as conn:
        reason = conn.execute("SELECT stale_reason FROM alert WHERE rule = 'posting'").fetchone()
    assert reason is not None and "source logs (middleware_logs) has not been polled" in reason[0]


def test_stopped_collector_fires_its_freshness_rule_with_defaults(db: Database) -> None:
    cfg = settings([], defaults=True, sources=SOURCES)
    poll_all(db, T0)
    write_metrics(db, T0, [])
    evaluate_alerts(db, cfg, T0)
    at = T0 + 30 * MINUTE
    poll_all(db, at, except_="logs")
    write_metrics(db, at, [])
    evaluate_alerts(db, cfg, at)
    assert states(db, "collector-freshness.logs") == {'{"source": "logs"}': "firing"}
    assert states(db, "collector-freshness.billing") == {'{"source": "billing"}': "inactive"}


def test_no_recent_compute_is_stale_and_raises_metrics_stale(db: Database) -> None:
    cfg = config()
    poll_all(db, T0)
    step(db, cfg, T0, failures(4))
    at = T0
    for _ in range(12):  # two hours with no compute; the collectors keep polling
        at += 10 * MINUTE
        poll_all(db, at)
        evaluate_alerts(db, cfg, at)
    assert states(db, "posting") == {ALL: "stale"}
    assert ("firing", "resolved") not in history(db, "posting")
    assert states(db, METRICS_STALE) == {ALL: "firing"}
    with db.connection() as conn:
        reason = conn.execute("SELECT stale_reason FROM alert WHERE rule = 'posting'").fetchone()
    assert reason is not None and reason[0].startswith("metrics were last computed at")


def test_missing_measurement_is_stale_not_an_error(db: Database) -> None:
    cfg = settings([POSTING])
    step(db, cfg, T0, failures(2))
    step(db, cfg, T0 + 10 * MINUTE, [("sync_attempts", {"flow": "x"}, 1, "count")])
    assert states(db, "posting") == {ALL: "stale"}
