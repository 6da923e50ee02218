"""Routes in config: first match wins, a catch-all last, quiet hours in the route's own zone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alerts.defaults import effective_rules
from alerts.routing import TEAM_CHANNELS, held_until, route_for
from core.config import ConfigError, Settings, load_settings
from core.config.alerts import AlertRule
from core.config.routes import QuietHours

BERLIN = ZoneInfo("Europe/Berlin")
ROUTES = """\
timezone: Europe/Berlin
alerts:
  routes:
    - match: {owner: finance, severity: [critical, warning]}
      channel: "#finance-ops"
      quiet_hours: {start: 20:00, end: 08:00, days: [mon, tue, wed, thu, fri]}
    - match: {rule: unmatched-accounts}
      quiet_hours:
        - {start: "18:00", end: "09:00"}
        - {start: "00:00", end: "00:00", days: [sat, sun]}
    - channel: "#sync-alerts"
"""


def load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "syncwatch.yaml"
    path.write_text(text, encoding="utf-8")
    return load_settings(path)


def error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "syncwatch.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    return str(info.value).removeprefix(f"{path}: ")


def rule(name: str, **fields: object) -> AlertRule:
    return AlertRule.model_validate({"name": name, "metric": "sla_breaches", "threshold": 0,
                                     **fields})  # fmt: skip


def test_first_matching_route_wins_and_the_catch_all_takes_the_rest(tmp_path: Path) -> None:
    settings = load(tmp_path, ROUTES)
    finance = rule("invoices", owner="finance", severity="warning")
    assert route_for(settings, finance).channel == "#finance-ops"
    info = rule("fin-info", owner="finance", severity="info")
    assert route_for(settings, info).channel == "#sync-alerts"  # severity not matched
    revops = rule("unmatched-accounts", owner="revops")
    # Matched by name; the route names no channel, so the team's channel is kept.
    assert route_for(settings, revops).channel == "#revops"
    assert route_for(settings, rule("other", owner="revops")).channel == "#sync-alerts"
    # A rule's own channel is the most specific statement: it wins over every route.
    pinned = rule("pinned", owner="finance", route="#billing-oncall")
    assert route_for(settings, pinned).channel == "#billing-oncall"


def test_without_routes_each_team_gets_its_channel() -> None:
    settings = Settings()
    channels = {r.owner: route_for(settings, r).channel for r in effective_rules(settings)}
    assert channels == TEAM_CHANNELS


def test_quiet_hours_hold_everything_but_critical(tmp_path: Path) -> None:
    settings = load(tmp_path, ROUTES)
    warning = rule("invoices", owner="finance", severity="warning")
    critical = rule("posting", owner="finance", severity="critical")
    evening = datetime(2026, 11, 24, 19, 30, tzinfo=UTC)  # Tue 20:30 in Berlin
    assert held_until(settings, warning, evening) == datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    assert held_until(settings, critical, evening) is None
    morning = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)  # Wed 08:00 in Berlin: the window ended
    assert held_until(settings, warning, morning) is None


def test_a_window_starts_only_on_its_days() -> None:
    nights = QuietHours.model_validate({"start": "20:00", "end": "08:00", "days": ["fri"]})
    friday_night = datetime(2026, 11, 27, 22, 0, tzinfo=BERLIN)
    saturday_early = datetime(2026, 11, 28, 7, 59, tzinfo=BERLIN)
    saturday_night = datetime(2026, 11, 28, 22, 0, tzinfo=BERLIN)
    saturday_eight = datetime(2026, 11, 28, 8, 0, tzinfo=BERLIN)
    assert nights.ends(friday_night, BERLIN) == saturday_eight.astimezone(UTC)
    assert nights.ends(saturday_early, BERLIN) == saturday_eight.astimezone(UTC)
    assert nights.ends(saturday_eight, BERLIN) is None
    assert nights.ends(saturday_night, BERLIN) is None


def test_whole_days_and_several_windows(tmp_path: Path) -> None:
    settings = load(tmp_path, ROUTES)
    accounts = rule("unmatched-accounts", owner="revops")
    saturday_noon = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)
    # Saturday is quiet all day; Friday's 18:00–09:00 window ended at 09:00 Saturday.
    assert held_until(settings, accounts, saturday_noon) == datetime(
        2026, 11, 28, 23, 0, tzinfo=UTC
    )
    monday_noon = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
    assert held_until(settings, accounts, monday_noon) is None


def test_a_window_in_its_own_zone_across_a_clock_change() -> None:
    # New York leaves daylight saving on Sunday 1 November 2026 at 02:00.
    nights = QuietHours.model_validate(
        {"start": "22:00", "end": "06:00", "timezone": "America/New_York"}
    )
    saturday_late = datetime(2026, 11, 1, 3, 30, tzinfo=UTC)  # Sat 23:30 EDT
    # The night is an hour longer: it ends at 06:00 EST, 11:00 UTC.
    assert nights.ends(saturday_late, BERLIN) == datetime(2026, 11, 1, 11, 0, tzinfo=UTC)
    assert nights.ends(datetime(2026, 11, 1, 10, 59, tzinfo=UTC), BERLIN) is not None
    assert nights.ends(datetime(2026, 11, 1, 11, 0, tzinfo=UTC), BERLIN) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "alerts:\n  routes:\n    - channel: '#all'\n    - channel: '#never'\n",
            "alerts.routes: routes[1] can never match: routes[0] has no match and takes every "
            "alert (the first matching route wins, so put the catch-all last)",
        ),
        (
            "alerts:\n  routes:\n    - quiet_hours: {start: '25:00', end: '08:00'}\n",
            "alerts.routes[0].quiet_hours[0].start: must be a time of day such as 20:00 or 08:30 "
            "(got '25:00')",
        ),
        (
            "alerts:\n  routes:\n    - match: {owner: sales}\n",
            "alerts.routes[0].match.owner[0]: input should be 'finance', 'revops' or "
            "'integration' (got 'sales')",
        ),
        (
            "alerts:\n  routes:\n    - match: {severity: loud}\n",
            "alerts.routes[0].match.severity[0]: input should be 'critical', 'warning' or 'info' "
            "(got 'loud')",
        ),
        (
            "alerts:\n  routes:\n    - quiet_hours: {start: '20:00', end: '08:00', "
            "timezone: Mars/Olympus}\n",
            "alerts.routes[0].quiet_hours[0].timezone: unknown time zone 'Mars/Olympus'",
        ),
        (
            "alerts:\n  routes:\n    - chanel: '#typo'\n",
            "alerts.routes[0].chanel: unknown key",
        ),
        (
            "alerts:\n  flapping: {changes: 0, window: 1h}\n",
            "alerts.flapping.changes: input should be greater than or equal to 1 (got 0)",
        ),
    ],
)
def test_bad_routes_name_the_file_and_field(tmp_path: Path, text: str, expected: str) -> None:
    assert error(tmp_path, text) == expected


def test_the_production_example_routes_each_team(
    repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SF_CLIENT_ID", "SF_JWT_PRIVATE_KEY", "STRIPE_API_KEY", "NETSUITE_ACCESS_TOKEN",
                 "ZENDESK_API_TOKEN"):  # fmt: skip
        monkeypatch.setenv(name, "x")
    settings = load_settings(repo_root / "examples" / "production.yaml")
    rules = effective_rules(settings)
    channels = {(r.owner, route_for(settings, r).channel) for r in rules}
    assert channels == {
        ("finance", "#finance-ops"), ("revops", "#revops"), ("integration", "#sync-alerts"),
    }  # fmt: skip
    tuesday_night = datetime(2026, 11, 24, 23, 0, tzinfo=UTC)  # 18:00 in New York
    posting = next(r for r in rules if r.name == "invoice-posting-failures")
    accounts = next(r for r in rules if r.name == "unmatched-accounts")
    stripe = next(r for r in rules if r.name == "collector-freshness.stripe")
    assert held_until(settings, posting, tuesday_night) is None  # critical
    assert held_until(settings, accounts, tuesday_night) is None  # RevOps: from 19:00
    assert held_until(settings, accounts, datetime(2026, 11, 25, 0, 30, tzinfo=UTC)) == (
        datetime(2026, 11, 25, 13, 0, tzinfo=UTC)  # 08:00 in New York
    )
    assert held_until(settings, stripe, datetime(2026, 11, 25, 3, 0, tzinfo=UTC)) is None
