"""Stored reference rates: an idempotent load, and exact conversion at the right day's rates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from core.database import Database
from core.fx.convert import Converted, convert, total_in
from core.fx.load import load_rates
from core.fx.rates import FxError
from core.money import convert_minor, total_minor

AT = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
FRIDAY, THURSDAY = date(2026, 12, 4), date(2026, 12, 3)
HIST = (
    "Date,USD,JPY,GBP,KWD,\n"
    "2026-12-04,1.0812,162.59,0.85370,0.33250,\n"
    "2026-12-03,1.0790,161.88,0.85210,N/A,\n"
)


@pytest.fixture
def rates_file(tmp_path: Path) -> Path:
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text(HIST, encoding="utf-8")
    return path


@pytest.fixture
def loaded(db: Database, rates_file: Path) -> Database:
    load_rates(db, str(rates_file), AT)
    return db


def stored(db: Database) -> list[tuple[object, ...]]:
    with db.connection() as conn:
        return conn.execute(
            "SELECT rate_date, currency, per_eur, source, loaded_at FROM fx_rate "
            "ORDER BY rate_date, currency"
        ).fetchall()


def test_a_load_stores_exact_rates_with_their_source_and_time(
    db: Database, rates_file: Path
) -> None:
    result = load_rates(db, str(rates_file), AT)
    assert (result.dates, result.currencies, result.newest, result.written) == (2, 4, FRIDAY, 7)
    rows = stored(db)
    assert len(rows) == 7
    assert rows[-1] == (FRIDAY, "USD", Decimal("1.0812"), str(rates_file), AT)
    assert str(rows[3][2]) == "0.85370"  # numeric keeps the published digits


def test_loading_the_same_rates_again_changes_nothing(db: Database, rates_file: Path) -> None:
    load_rates(db, str(rates_file), AT)
    before = stored(db)
    again = load_rates(db, str(rates_file), datetime(2026, 12, 5, tzinfo=UTC))
    assert (again.dates, again.written) == (2, 0)
    assert stored(db) == before
    # A corrected rate replaces the stored one, with the load that corrected it.
    rates_file.write_text(HIST.replace("1.0812", "1.0813"), encoding="utf-8")
    later = datetime(2026, 12, 6, tzinfo=UTC)
    assert load_rates(db, str(rates_file), later).written == 1
    assert (FRIDAY, "USD", Decimal("1.0813"), str(rates_file), later) in stored(db)


def test_a_malformed_file_writes_nothing(db: Database, tmp_path: Path) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text(HIST.replace("0.85210", "0.852l0"), encoding="utf-8")
    with pytest.raises(FxError, match=r"broken\.csv:3: GBP: rate '0.852l0'"):
        load_rates(db, str(broken), AT)
    assert stored(db) == []


def test_conversion_to_and_from_the_euro_and_across_it(loaded: Database) -> None:
    with loaded.connection() as conn:
        # 100.00 USD / 1.0812 = 92.4898… EUR
        assert convert(conn, 10_000, "USD", "EUR", FRIDAY) == Converted(9_249, "EUR", FRIDAY)
        assert convert(conn, 9_249, "EUR", "EUR", FRIDAY) == Converted(9_249, "EUR", FRIDAY)
        # 100.00 GBP × 1.0812 / 0.85370 = 126.6511… USD, through the euro
        assert convert(conn, 10_000, "GBP", "USD", FRIDAY) == Converted(12_665, "USD", FRIDAY)
        # ¥1,000,000 × 1.0812 / 162.59 = 6,649.855… USD
        assert convert(conn, 1_000_000, "JPY", "usd", FRIDAY) == Converted(664_986, "USD", FRIDAY)


def test_a_weekend_uses_the_last_business_day_before_it(loaded: Database) -> None:
    with loaded.connection() as conn:
        sunday = date(2026, 12, 6)
        assert convert(conn, 10_000, "USD", "EUR", sunday) == Converted(9_249, "EUR", FRIDAY)
        # As of Thursday, Thursday's rates: 100.00 USD / 1.0790
        assert convert(conn, 10_000, "USD", "EUR", THURSDAY) == Converted(9_268, "EUR", THURSDAY)


def test_a_missing_rate_is_missing_never_zero(loaded: Database) -> None:
    with loaded.connection() as conn:
        assert convert(conn, 1_000, "KWD", "USD", THURSDAY) is None  # N/A that day
        assert convert(conn, 1_000, "CHF", "USD", FRIDAY) is None  # never quoted
        assert convert(conn, 1_000, "USD", "EUR", date(2026, 12, 2)) is None  # before any
        total = total_in(conn, [(1_000, "KWD"), (10_000, "USD"), (5_000, "EUR")], "USD",
                         THURSDAY)  # fmt: skip
        assert (total.amount_minor, total.rate_date, total.left_out) == (
            15_395,
            THURSDAY,
            ("KWD",),
        )  # 100.00 + 50.00 × 1.0790
        nothing = total_in(conn, [(1_000, "GBP")], "USD", date(2026, 12, 1))
        assert (nothing.amount_minor, nothing.rate_date, nothing.left_out) == (None, None, ("GBP",))


def test_three_and_zero_decimal_currencies_round_half_to_even() -> None:
    rates = {"KWD": Decimal("0.25"), "JPY": Decimal("150")}
    # One euro cent is 2.5 fils and 1.5 yen; three cents are 7.5 fils and 4.5 yen.
    assert [convert_minor(c, "EUR", "KWD", rates) for c in (1, 3, 5)] == [2, 8, 12]
    assert [convert_minor(c, "EUR", "JPY", rates) for c in (1, 3, 5)] == [2, 4, 8]
    # One fils is 0.6 yen; one yen is 1.6667 fils.
    assert convert_minor(1, "KWD", "JPY", rates) == 1
    assert convert_minor(1, "JPY", "KWD", rates) == 2
    assert convert_minor(1, "JPY", "USD", rates) is None
    # A total rounds once: 1.5 + 1.5 yen is 3 yen, not 2 + 2.
    assert total_minor([(1, "EUR"), (1, "EUR")], "JPY", rates) == (3, [])
    assert total_minor([(1, "EUR"), (7, "CHF")], "JPY", rates) == (2, ["CHF"])
    assert total_minor([(7, "CHF")], "JPY", rates) == (None, ["CHF"])
