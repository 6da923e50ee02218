"""The administrator's configuration page: each source's health in words, the effective
configuration without a secret in it, and the view recorded in the audit log."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from app.configview import as_yaml, digest, masked_settings, secret_variables, setting_title
from app.queries import admin
from app.queries.core import Window
from core.config import Settings
from core.database import Database
from core.roles import Identity
from testkit.dashboard_store import NOW
from tests.app.apptest_helpers import signed_in

ADA = Identity("ada", frozenset({"admin"}))
SECRET = "sk_live_never_shown_7f3a"
CONFIG = """\
timezone: Europe/Berlin
dashboard_url: https://ops:hunter22@dash.example.com/?token=abc123
sources:
  stripe:
    type: stripe
    api_key_env: ADMIN_PAGE_STRIPE_KEY
  stripe_eu:
    type: stripe
    enabled: false
    api_key_env: ADMIN_PAGE_STRIPE_EU_KEY
"""


def test_sources_read_their_health_freshness_records_and_quarantine(app_env: Database) -> None:
    frame = admin.sources(ADA, Window(until=NOW, span=timedelta(days=7)))
    rows = {r["source"]: r for r in frame.to_dict("records")}
    assert set(rows) == {"netsuite", "salesforce", "stripe"}
    assert (bool(rows["netsuite"]["healthy"]), rows["netsuite"]["reason"]) == (
        False, "HTTP 401 from token endpoint",
    )  # fmt: skip
    assert bool(rows["stripe"]["healthy"]) and rows["stripe"]["freshness_seconds"] == 120
    assert rows["netsuite"]["freshness_seconds"] == 90 * 60
    assert [int(rows[s]["records"]) for s in sorted(rows)] == [120, 120, 120]
    assert {s: int(r["quarantined"]) for s, r in rows.items()} == {
        "netsuite": 0, "salesforce": 0, "stripe": 1,
    }  # fmt: skip
    # Outside the time range nothing was collected.
    earlier = admin.sources(ADA, Window(until=NOW - timedelta(days=1), span=timedelta(days=1)))
    assert set(earlier["records"].astype(int)) == {0}


def test_the_effective_configuration_names_secret_variables_never_their_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ADMIN_PAGE_STRIPE_KEY", SECRET)
    settings = Settings.model_validate(
        {
            "dashboard_url": "https://ops:hunter22@dash.example.com/?token=abc123",
            "sources": {"stripe": {"type": "stripe", "api_key_env": "ADMIN_PAGE_STRIPE_KEY"}},
        }
    )
    masked = masked_settings(settings)
    text = as_yaml(masked)
    assert SECRET not in text and "hunter22" not in text and "abc123" not in text
    assert "api_key_env: ADMIN_PAGE_STRIPE_KEY" in text
    assert ("sources.stripe.api_key_env", "ADMIN_PAGE_STRIPE_KEY") in secret_variables(masked)
    assert setting_title("sources.stripe.api_key_env") == "Sources › Stripe › api key"
    assert digest(masked) == digest(masked_settings(settings))
    assert digest(masked) != digest(masked_settings(Settings()))


def test_the_page_shows_health_in_words_and_audits_each_view_once(
    app_env: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "syncwatch.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("SYNCWATCH_CONFIG", str(config))
    monkeypatch.setenv("ADMIN_PAGE_STRIPE_KEY", SECRET)
    at = signed_in("ada")
    at.switch_page("app_pages/admin_config.py").run()
    assert not at.exception
    sources = at.dataframe[0].value
    shown = dict(zip(sources["source"], sources["health"], strict=True))
    assert shown == {"NetSuite": "Failing", "Salesforce": "Healthy", "Stripe": "Healthy",
                     "stripe eu": "Disabled"}  # fmt: skip
    netsuite = sources[sources["source"] == "NetSuite"].iloc[0]
    assert netsuite["reason"] == "HTTP 401 from token endpoint"
    assert netsuite["last_success"] == "2026-11-20 11:30 CET (1 h 30 min ago)"
    everything = " ".join(
        [*(c.value for c in at.code), *(m.value for m in at.markdown),
         *(str(d.value.to_dict()) for d in at.dataframe)]
    )  # fmt: skip
    assert SECRET not in everything and "hunter22" not in everything
    assert "ADMIN_PAGE_STRIPE_KEY" in everything
    at.run()
    at.switch_page("app_pages/admin_config.py").run()
    with app_env.connection() as conn:
        views = conn.execute(
            "SELECT actor, target_type, target_id FROM audit_log WHERE action = 'config.view'"
        ).fetchall()
    # One entry for the session: rerunning the page says nothing new.
    assert [(actor, kind) for actor, kind, _ in views] == [("ada", "config")]
    assert len(views[0][2]) == 16
