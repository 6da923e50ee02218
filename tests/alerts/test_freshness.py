"""Freshness follows each source's cadence and collect time, and waits for the first poll."""

from __future__ import annotations

from datetime import datetime, timedelta

from alerts.acknowledgements import change_acknowledgement
from alerts.defaults import effective_rules
from alerts.engine import evaluate_alerts
from alerts.freshness import ServiceClock, cadence_limit, freshness_limits
from core.config import Settings
from core.database import Database
from core.roles import Identity
from core.store.runs import finish_run, start_run
from tests.alerts.alert_world import MINUTE, T0, history, outbox, set_health, states, write_metrics

SOURCES = {
    "tickets": {"type": "zendesk", "base_url": "http://127.0.0.1:2", "email": "a@b.c",
                "api_token_env": "Z", "poll_interval": "10m"},
    "logs": {"type": "middleware_logs", "path": "/tmp/none/*.jsonl", "poll_interval": "30s"},
}  # fmt: skip
TICKETS = "collector-freshness.tickets"
LOGS = "collector-freshness.logs"


def config(**alerts: object) -> Settings:
    return Settings.model_validate(
        {"alerts": {"defaults": True, **alerts}, "sources": SOURCES,
         "dashboard_url": "https://syncwatch.example.com"}
    )  # fmt: skip


def collect(db: Database, source: str, finished: datetime, streams: dict[str, timedelta]) -> None:
    """One poll of ``source`` that ran its streams one after the other, ending at ``finished``."""
    at = finished - sum(streams.values(), timedelta(0))
    with db.connection(autocommit=True) as conn:
        for stream, took in streams.items():
            run = start_run(conn, source, stream, at)
            at += took
            finish_run(conn, run, "success", at=at)
    set_health(db, source, finished)


def evaluate(
    db: Database, cfg: Settings, at: datetime, service: ServiceClock | None = None
) -> None:
    write_metrics(db, at, [])
    evaluate_alerts(db, cfg, at, service)


def stale_reason(db: Database, rule: str) -> str | None:
    with db.connection() as conn:
        row = conn.execute("SELECT stale_reason FROM alert WHERE rule = %s", (rule,)).fetchone()
    assert row is not None
    return None if row[0] is None else str(row[0])


def test_the_limit_is_cadence_plus_collect_time_plus_margin(db: Database) -> None:
    cfg = config()
    slow = {"organizations": 2 * MINUTE, "tickets": 6 * MINUTE}
    for poll in range(4):
        collect(db, "tickets", T0 - (30 - 10 * poll) * MINUTE, slow)
    with db.connection() as conn:
        limits = freshness_limits(conn, cfg, ServiceClock(), T0)
    # Two poll intervals (one may be missed), 8 minutes of collecting, a 5-minute margin.
    assert limits["tickets"] == 33 * MINUTE
    assert limits["logs"] == 6 * MINUTE  # never collected: its cadence and the margin
    with db.connection() as conn:
        sped_up = freshness_limits(conn, cfg, ServiceClock(speed=60), T0)
    # Under a 60× clock the 30-second poll timer fires every 30 simulated minutes.
    assert sped_up["logs"] == 65 * MINUTE
    assert sped_up["tickets"] == 20 * 60 * MINUTE + 13 * MINUTE


def test_a_slow_source_is_not_stale_at_fifteen_minutes_a_stalled_one_is(db: Database) -> None:
    cfg = config()
    slow = {"organizations": 2 * MINUTE, "tickets": 6 * MINUTE}
    for poll in range(3):
        collect(db, "tickets", T0 - (20 - 10 * poll) * MINUTE, slow)
    set_health(db, "logs", T0)
    for minutes in (0, 15, 25, 32):
        set_health(db, "logs", T0 + minutes * MINUTE)
        evaluate(db, cfg, T0 + minutes * MINUTE)
    # 32 minutes without a finished poll is within 10 + 10 + 8 + 5 minutes.
    assert states(db, TICKETS) == {'{"source": "tickets"}': "inactive"}
    set_health(db, "logs", T0 + 34 * MINUTE)
    evaluate(db, cfg, T0 + 34 * MINUTE)  # stalled: no poll for more than its limit
    assert states(db, TICKETS) == {'{"source": "tickets"}': "firing"}
    assert states(db, LOGS) == {'{"source": "logs"}': "inactive"}
    [post] = [r for r in outbox(db) if r.message.get("rule") == TICKETS]
    [line] = post.message["lines"]
    assert (line["value"], line["threshold"]) == (34 * 60, 33 * 60)
    with db.connection() as conn:
        [alert_id] = conn.execute("SELECT id FROM alert WHERE rule = %s", (TICKETS,)).fetchone()
        ivan = Identity("ivan", frozenset({"integration"}))
        change_acknowledgement(
            conn, cfg, alert_id, "acknowledge", identity=ivan, at=T0 + 35 * MINUTE
        )
    # The message updated for the acknowledgement keeps the source's own limit.
    [update] = [r for r in outbox(db) if r.message.get("rule") == TICKETS and r.kind == "update"]
    [line] = update.message["lines"]
    assert (line["threshold"], line["acknowledged_by"]) == (33 * 60, "ivan")


def test_a_rule_with_an_explicit_limit_keeps_it(db: Database) -> None:
    explicit = {
        "name": TICKETS,
        "metric": "collector_freshness_seconds",
        "labels": {"source": "tickets"},
        "threshold": 600,
        "severity": "critical",
    }
    cfg = config(rules=[explicit])
    collect(db, "tickets", T0, {"tickets": 6 * MINUTE})
    [rule] = [r for r in effective_rules(cfg) if r.name == TICKETS]
    assert rule.threshold == 600
    evaluate(db, cfg, T0 + 11 * MINUTE)
    assert states(db, TICKETS) == {'{"source": "tickets"}': "firing"}


def test_one_fixed_limit_for_every_source_when_configured() -> None:
    cfg = config(source_stale_after="2h")
    assert cadence_limit(cfg, "tickets", speed=60, collect=MINUTE) == timedelta(hours=2)


def test_after_a_restart_freshness_waits_for_the_first_poll(db: Database) -> None:
    cfg = config()
    before = T0 - 3 * 60 * MINUTE  # the service was down for three hours
    collect(db, "tickets", before, {"tickets": MINUTE})
    set_health(db, "logs", before)
    service = ServiceClock(started_at=T0)
    evaluate(db, cfg, T0 + MINUTE, service)
    assert states(db, TICKETS) == {'{"source": "tickets"}': "stale"}
    assert stale_reason(db, TICKETS) == (
        "source tickets: waiting for its first poll since syncwatch started at 2026-11-23T08:00:00Z"
    )
    assert outbox(db) == []
    collect(db, "tickets", T0 + 2 * MINUTE, {"tickets": MINUTE})
    set_health(db, "logs", T0 + 2 * MINUTE)
    evaluate(db, cfg, T0 + 3 * MINUTE, service)
    assert states(db, TICKETS) == {'{"source": "tickets"}': "inactive"}
    assert ("stale", "firing") not in history(db, TICKETS)
    assert outbox(db) == []


def test_a_first_poll_that_never_finishes_is_judged_after_the_grace(db: Database) -> None:
    cfg = config(startup_grace="10m")
    collect(db, "tickets", T0 - 3 * 60 * MINUTE, {"tickets": MINUTE})
    service = ServiceClock(started_at=T0)
    evaluate(db, cfg, T0 + 9 * MINUTE, service)
    assert states(db, TICKETS) == {'{"source": "tickets"}': "stale"}
    evaluate(db, cfg, T0 + 10 * MINUTE, service)
    assert states(db, TICKETS) == {'{"source": "tickets"}': "firing"}
    [post] = [r for r in outbox(db) if r.message.get("rule") == TICKETS]
    assert post.message["state"] == "firing"


def test_a_one_off_evaluation_does_not_wait(db: Database) -> None:
    cfg = config()
    collect(db, "tickets", T0 - 3 * 60 * MINUTE, {"tickets": MINUTE})
    evaluate(db, cfg, T0)
    assert states(db, TICKETS) == {'{"source": "tickets"}': "firing"}
