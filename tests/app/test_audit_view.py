"""The audit log and the alert tables in words: every code a person would see is translated."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pandas as pd  # type: ignore[import-untyped]

from app.alert_tables import alerts_view, labels_words, silences_view
from app.audit_view import action_words, audit_view, details_words, target_words
from app.views import Reading
from tests.app.raw_text import raw_findings

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
READING = Reading(ZoneInfo("Europe/Berlin"), NOW, {})


def audit_frame(
    rows: list[tuple[str, str, str | None, str | None, dict[str, object]]],
) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (NOW, actor, action, kind, target, json.dumps(d))
            for actor, action, kind, target, d in rows
        ],
        columns=["ts", "actor", "action", "target_type", "target_id", "details"],
    )


def test_audit_entries_read_in_words() -> None:
    frame = audit_frame(
        [
            ("fiona", "sign_in", "app_user", "fiona", {}),
            ("nobody", "sign_in.failed", "app_user", "nobody",
             {"failed_logins": 3, "known_user": False}),
            ("ada", "user.roles", "app_user", "nina",
             {"from": ["finance"], "to": ["finance", "revops"]}),
            (
                "fiona", "exception.acknowledge", "exception_item", "12",
                {"items": [12], "metric": "posting_failures",
                 "record": "stripe/subscription_change/sc_1"},
            ),
            (
                "ivan", "exception.assign", "exception_item", None,
                {"items": [3, 4], "selection": {"scope": ["posting_failures", "silent_misses"],
                 "flow": "invoice_billing_to_erp", "opened_before": "2026-11-19T12:00:00+00:00"},
                 "unchanged": 0, "assignee": "ivan"},
            ),
            (
                "ivan", "silence.create", "silence", "7",
                {"matchers": {"rule": "posting-failures", "flow": "invoice_billing_to_erp"},
                 "reason": "ERP upgrade", "starts_at": "2026-11-20T12:00:00+00:00",
                 "ends_at": "2026-11-20T16:00:00+00:00"},
            ),
            ("ada", "report.export", None, None, {}),
        ]
    )  # fmt: skip
    view, config = audit_view(frame, READING)
    assert list(view["what"]) == [
        "Signed in",
        "Sign-in refused: wrong user name or password",
        "Changed the roles",
        "Acknowledged",
        "Assigned",
        "Created",
        "Report export",
    ]
    assert list(view["on"]) == [
        "user fiona", "user nobody", "user nina", "exception item #12", "2 exception items",
        "silence #7", "—",
    ]  # fmt: skip
    assert view["when"][0] == "2026-11-20 13:00 CET (just now)"
    assert view["details"][0] == "—"
    assert view["details"][1] == "wrong passwords in a row: 3 · the user exists: no"
    assert view["details"][2] == "from: finance · to: finance, revops"
    assert view["details"][3] == (
        "items: #12 · metric: Invoice failed to post · record: Stripe subscription change sc_1"
    )
    assert "flow: Invoices → ERP" in view["details"][4]
    assert "Invoice missing from ERP (no log)" in view["details"][4]
    assert "2026-11-19 13:00 CET (1 d ago)" in view["details"][4]
    assert view["details"][5] == (
        "mutes: Invoices → ERP · rule posting-failures · reason: ERP upgrade · "
        "from: 2026-11-20 13:00 CET (just now) · until: 2026-11-20 17:00 CET (in 4 h)"
    )
    assert set(config) == set(view.columns)
    assert raw_findings("\n".join(view.astype(str).stack())) == []


def test_unknown_codes_still_read_as_words() -> None:
    assert action_words("exception.reopen_all") == "Exception reopen all"
    assert target_words("account_link", "5", {}) == "account match #5"
    assert action_words("config.view") == "Viewed"
    assert target_words("config", "9f2c4e1a0b3d5f67", {}) == "configuration 9f2c4e1a0b3d5f67"
    assert target_words("data_export", None, {}) == "data exports"
    assert details_words({"stale_after": None, "done": True}, READING) == (
        "stale after: none · done: yes"
    )


def test_alerts_and_silences_read_in_words() -> None:
    alerts = pd.DataFrame(
        [
            (1, "posting-failures", "firing", "critical", {"flow": "invoice_billing_to_erp"},
             12.0, None, NOW, NOW, NOW, None, "ivan"),
            (2, "stripe-fresh", "stale", "warning", {"source": "stripe"},
             float("nan"), "seconds", NOW, pd.NaT, NOW, "ivan", None),
            (3, "lag", "pending", "warning", {}, 172_800.0, "seconds", NOW, pd.NaT, pd.NaT, None,
             None),
        ],
        columns=["id", "rule", "state", "severity", "labels", "value", "unit", "active_since",
                 "firing_since", "last_evaluated_at", "acknowledged_by", "assigned_to"],
    )  # fmt: skip
    view, config = alerts_view(alerts, {"posting-failures": "Invoices failed to post"}, READING)
    assert list(view["what"]) == ["Invoices failed to post", "stripe-fresh", "lag"]
    assert list(view["where"]) == ["Invoices → ERP", "Stripe", "all flows and systems"]
    assert list(view["state"]) == ["Firing", "No fresh data", "Pending"]
    assert list(view["value"]) == ["12", "—", "2 d"]
    assert list(view["since"]) == ["2026-11-20 13:00 CET (just now)"] * 3
    assert list(view["on_it"]) == ["—", "ivan", "—"]
    assert list(view["assignee"]) == ["ivan", "—", "—"]
    assert set(config) == set(view.columns)
    silences = pd.DataFrame(
        [(7, {"rule": "posting-failures"}, "ERP upgrade", "ivan", NOW, NOW.replace(hour=16))],
        columns=["id", "matchers", "reason", "created_by", "starts_at", "ends_at"],
    )
    shown, _ = silences_view(silences, READING)
    assert shown.iloc[0].to_dict() == {
        "silence": "#7",
        "mutes": "rule posting-failures",
        "reason": "ERP upgrade",
        "by": "ivan",
        "starts": "2026-11-20 13:00 CET (just now)",
        "ends": "2026-11-20 17:00 CET (in 4 h)",
    }
    assert labels_words({"metric": "sync_lag_seconds", "currency": "EUR"}) == (
        "currency EUR · Sync lag"
    )
