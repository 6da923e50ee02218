"""Silences mute notifications (state goes on), are audited, expire, and have a CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from alerts.silences import SilenceError, active_silences, create_silence, expire_silence
from core.clock import Clock
from core.database import Database
from syncwatch.commands.alerts import app
from syncwatch.context import AppContext
from tests.alerts.alert_world import MINUTE, T0, outbox, settings, states, step

FLOWS = ["invoice_billing_to_erp", "payment_billing_to_erp"]
RULE = {"name": "breaches", "metric": "sla_breaches", "threshold": 0, "route": "#sync-alerts"}


def breaches(*flows: str) -> list[tuple[str, dict[str, str], float, str]]:
    return [("sla_breaches", {"flow": f}, 2, "count") for f in flows]


def silence(db: Database, matchers: dict[str, str], hours: int = 2) -> int:
    with db.connection() as conn:
        return create_silence(
            conn, matchers=matchers, created_by="alice", reason="maintenance",
            starts_at=T0, ends_at=T0 + hours * 60 * MINUTE,
        )  # fmt: skip


def test_silence_suppresses_then_expires_and_notifications_resume(db: Database) -> None:
    config = settings([RULE])
    silence_id = silence(db, {"rule": "breaches"})
    for i in range(6):
        step(db, config, T0 + 10 * i * MINUTE, breaches(*FLOWS))
    assert set(states(db, "breaches").values()) == {"firing"}
    assert outbox(db) == []

    with db.connection() as conn:
        expire_silence(conn, silence_id, actor="bob", at=T0 + 55 * MINUTE)
        assert active_silences(conn, T0 + 55 * MINUTE) == []
        audit = conn.execute(
            "SELECT actor, action, target_id, details FROM audit_log ORDER BY id"
        ).fetchall()
    assert [(a, act, t) for a, act, t, _ in audit] == [
        ("alice", "silence.create", str(silence_id)),
        ("bob", "silence.expire", str(silence_id)),
    ]
    assert (
        audit[0][3]["matchers"] == {"rule": "breaches"} and audit[0][3]["reason"] == "maintenance"
    )

    step(db, config, T0 + 60 * MINUTE, breaches(*FLOWS))
    [post] = outbox(db)
    assert post.kind == "post" and len(post.message["lines"]) == 2
    assert post.message["started_at"].startswith("2026-11-23T08:00:00")


def test_silence_on_one_label_set_drops_only_its_line(db: Database) -> None:
    config = settings([RULE])
    silence(db, {"rule": "breaches", "flow": FLOWS[0]})
    step(db, config, T0, breaches(*FLOWS))
    [post] = outbox(db)
    assert [line["labels"]["flow"] for line in post.message["lines"]] == [FLOWS[1]]


def test_resolution_of_a_fully_silenced_incident_sends_nothing(db: Database) -> None:
    config = settings([RULE])
    step(db, config, T0, breaches(*FLOWS))
    silence(db, {"rule": "breaches"}, hours=5)
    step(db, config, T0 + 10 * MINUTE, [("sla_breaches", {"flow": f}, 0, "count") for f in FLOWS])
    assert set(states(db, "breaches").values()) == {"resolved"}
    assert [r.kind for r in outbox(db)] == ["post"]


def test_bad_silences_are_refused(db: Database) -> None:
    with db.connection() as conn:
        with pytest.raises(SilenceError, match="at least one matcher"):
            create_silence(conn, matchers={}, created_by="a", reason="r", starts_at=T0,
                           ends_at=T0 + MINUTE)  # fmt: skip
        with pytest.raises(SilenceError, match="end after it starts"):
            create_silence(conn, matchers={"rule": "x"}, created_by="a", reason="r",
                           starts_at=T0, ends_at=T0)  # fmt: skip
        with pytest.raises(SilenceError, match="does not exist"):
            expire_silence(conn, 999, actor="a", at=T0)


def test_cli_silence_list_and_expire(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config_file = tmp_path / "syncwatch.yaml"
    config_file.write_text(
        "alerts:\n  defaults: false\n  rules:\n"
        "    - {name: breaches, metric: sla_breaches, threshold: 0, route: '#sync-alerts'}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("DATABASE_URL", db.url)
    runner = CliRunner()

    def run(*args: str) -> str:
        context = AppContext(config_path=config_file, clock=Clock(T0))
        result = runner.invoke(app, list(args), obj=context)
        context.close()
        assert result.exit_code == 0, result.output
        return result.output

    created = run("silence", "--match", "rule=breaches", "--match", "flow=x", "--duration", "2h",
                  "--reason", "deploy", "--by", "alice")  # fmt: skip
    assert "silence 1" in created
    listed = run("silences")
    # The table wraps at the test console's 80 columns, so only short cells are matched.
    assert "alice" in listed and "deploy" in listed
    step(db, settings([RULE]), T0, breaches(*FLOWS))
    evaluated = run("evaluate")
    assert "alerts" in evaluated
    table = run("list", "--state", "firing")
    assert "breaches" in table and "firing" in table and "inactive" not in table
    run("expire", "1", "--by", "bob")
    with db.connection() as conn:
        row = conn.execute("SELECT expired_by, matchers FROM silence WHERE id = 1").fetchone()
    assert row is not None and row[0] == "bob"
    assert row[1] == json.loads('{"rule": "breaches", "flow": "x"}')
