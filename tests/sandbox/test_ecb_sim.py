"""The sandbox's ECB reference-rate files: the world's currencies, business days, ECB XML."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import httpx

from core.fx.source import parse_rates
from sandbox.catalog import World
from sandbox.clock import SimulatedClock
from sandbox.ecb.app import create_ecb_app
from sandbox.ecb.rates import published_days, rate
from sandbox.generator import WorldSpec, generate_world
from testkit.running_sandbox import NOW, profile_with
from testkit.servers import running_app

FIRST = date(2026, 11, 2)


def world() -> World:
    return generate_world(WorldSpec(seed=7, profile=profile_with(accounts=40), now=NOW))


def test_rates_are_published_on_business_days_after_four_in_frankfurt() -> None:
    before = published_days(FIRST, datetime(2026, 11, 20, 14, 59, tzinfo=UTC))  # 15:59 CET
    after = published_days(FIRST, datetime(2026, 11, 20, 15, 0, tzinfo=UTC))
    assert before[0] == date(2026, 11, 19)
    assert after[0] == date(2026, 11, 20)
    assert len(after) == 15  # three working weeks, newest first
    assert all(d.weekday() < 5 for d in after)
    assert published_days(FIRST, datetime(2026, 12, 26, 18, tzinfo=UTC))[:2] == [
        date(2026, 12, 24), date(2026, 12, 23)
    ]  # Christmas and Boxing Day are closed  # fmt: skip


def test_a_rate_depends_only_on_the_currency_and_the_day() -> None:
    day = date(2026, 11, 20)
    assert rate("USD", day) == rate("USD", day)
    assert rate("USD", day) != rate("USD", date(2026, 11, 19))
    assert rate("JPY", day).as_tuple().exponent == -2  # quoted as the ECB quotes the yen
    assert abs(rate("GBP", day) / Decimal("0.85") - 1) <= Decimal("0.02")


def test_the_files_hold_every_world_currency_in_ecb_xml() -> None:
    clock = SimulatedClock(NOW)  # Friday 20 Nov 2026 13:00 CET: Thursday's rates are the latest
    with running_app(create_ecb_app(world(), clock, FIRST)) as base:
        files = {
            name: httpx.get(f"{base}/stats/eurofxref/{name}", timeout=10)
            for name in ("eurofxref-hist.xml", "eurofxref-hist-90d.xml", "eurofxref-daily.xml")
        }
        missing = httpx.get(f"{base}/stats/eurofxref/eurofxref.zip", timeout=10)
    assert missing.status_code == 404
    assert {r.headers["content-type"] for r in files.values()} == {"text/xml; charset=utf-8"}
    hist = parse_rates(files["eurofxref-hist.xml"].content, "hist")
    assert len(hist) == 14
    assert max(hist) == date(2026, 11, 19)
    assert all(set(rates) == {"GBP", "JPY", "USD"} for rates in hist.values())
    assert hist[date(2026, 11, 19)]["USD"] == rate("USD", date(2026, 11, 19))
    assert parse_rates(files["eurofxref-hist-90d.xml"].content, "90d") == hist
    assert list(parse_rates(files["eurofxref-daily.xml"].content, "daily")) == [date(2026, 11, 19)]
