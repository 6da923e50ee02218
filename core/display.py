"""How values read to people: money, durations, instants and ratios, for pages, Slack and reports.

One module so every place a person reads a figure says it the same way: money in the currency's
own symbol and minor unit (``$681,383.34``, ``¥6,290,000``, ``€29,816.66``, ``KWD 1.234``,
credits as ``-$1,234.50``), compact in tiles (``$681.4K``); durations as ``3 d 4 h`` or
``45 min``; instants in the configured time zone with how long ago; ratios as percentages; an
em dash where a value does not apply. Machine-readable output (CSV, JSON) keeps raw values.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from numbers import Real
from typing import Final
from zoneinfo import ZoneInfo

from babel.numbers import format_compact_decimal, format_decimal, get_currency_symbol

from core.money import exponent, from_minor

MISSING: Final = "—"
_MONTHS: Final = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
LOCALE: Final = "en_US"
_NBSP: Final = "\u00a0"
ELLIPSIS: Final = "…"

# Every metric's name in words (one per SQL file in sql/metrics); pages, messages and reports
# say these, never the metric's id.
METRIC_TITLES: Final[dict[str, str]] = {
    "amount_mismatches": "Amount mismatch",
    "amount_mismatches_amount": "Amount mismatch value",
    "clock_skew_items": "Clock skew",
    "collector_failed_runs": "Failed collector runs",
    "collector_freshness_seconds": "Time since last successful poll",
    "collector_healthy": "Collector healthy",
    "collector_rate_limited": "Rate-limited requests",
    "duplicate_customers": "Duplicate customer",
    "duplicate_customers_amount": "Open invoices of duplicate customers",
    "orphan_customers": "Orphan customer",
    "orphan_customers_amount": "Open invoices of orphan customers",
    "payment_posting_failures": "Payment failed to post",
    "payment_posting_failures_amount": "Payments failed to post, value",
    "payment_silent_misses": "Payment missing from ERP (no log)",
    "payment_silent_misses_amount": "Payments missing from ERP, value",
    "posting_failures": "Invoice failed to post",
    "posting_failures_amount": "Invoices failed to post, value",
    "scheduler_job_healthy": "Scheduled job healthy",
    "silent_misses": "Invoice missing from ERP (no log)",
    "silent_misses_amount": "Invoices missing from ERP, value",
    "sla_attainment": "SLA attainment",
    "sla_breaches": "Past SLA",
    "sla_breaches_amount": "Past SLA, value",
    "stuck_amendments": "Stuck amendment",
    "stuck_amendments_amount": "Stuck amendments, value",
    "sync_attempts": "Sync attempts",
    "sync_backlog": "Not yet synced",
    "sync_backlog_amount": "Not yet synced, value",
    "sync_backlog_oldest_seconds": "Oldest unsynced item",
    "sync_dead_letters": "Dead letters",
    "sync_error_rate": "Error rate",
    "sync_lag_seconds": "Sync lag",
    "sync_retry_rate": "Retry rate",
    "unmatched_accounts": "Account without customer",
    "unmatched_accounts_arr": "ARR of accounts without customer",
}
SYSTEM_TITLES: Final[dict[str, str]] = {
    "salesforce": "Salesforce",
    "stripe": "Stripe",
    "netsuite": "NetSuite",
    "zendesk": "Zendesk",
    "middleware": "Middleware",
}
AGE_BUCKET_TITLES: Final[dict[str, str]] = {
    "lt_1h": "under 1 h",
    "1h_24h": "1 h – 1 day",
    "1d_7d": "1 – 7 days",
    "gt_7d": "over 7 days",
}
TEAM_TITLES: Final[dict[str, str]] = {
    "finance": "Finance team",
    "revops": "RevOps team",
    "integration": "Integration team",
}
OBJECT_TITLES: Final[dict[str, str]] = {
    "account": "account",
    "amendment": "amendment",
    "customer": "customer",
    "subscription": "subscription",
    "subscription_change": "subscription change",
    "invoice": "invoice",
    "organization": "organization",
    "ticket": "ticket",
}


def _number(value: object) -> float | None:
    """``value`` as a finite number, or None (None, NaN, text and booleans are not amounts)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _symbol(currency: str) -> str:
    """The currency's symbol, with a non-breaking space after a letter code (``KWD 1.234``)."""
    symbol = get_currency_symbol(currency, locale=LOCALE)
    return f"{symbol}{_NBSP}" if symbol[-1:].isalpha() else symbol


def money(amount_minor: object, currency: object, *, compact: bool = False) -> str:
    """An amount held in minor units, in the currency's own form; an em dash without one."""
    number = _number(amount_minor)
    if number is None or not isinstance(currency, str) or len(currency.strip()) != 3:
        return MISSING
    code = currency.strip().upper()
    places = exponent(code)
    exact = from_minor(round(number), code)
    sign = "-" if exact < 0 else ""
    if compact and abs(exact) >= 1000:
        digits = format_compact_decimal(abs(exact), locale=LOCALE, fraction_digits=1)
    else:
        pattern = "#,##0" + ("." + "0" * places if places else "")
        digits = format_decimal(abs(exact), format=pattern, locale=LOCALE)
    return f"{sign}{_symbol(code)}{digits}"


def money_list(amounts: dict[str, int], *, compact: bool = False) -> str:
    """Several currencies' amounts side by side, by currency code: never summed across them."""
    if not amounts:
        return MISSING
    return " · ".join(money(amounts[code], code, compact=compact) for code in sorted(amounts))


def rate_day(day: date) -> str:
    """A calendar day as a date of exchange rates reads: ``2 Dec 2026``."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def converted_total(
    currency: str,
    amount_minor: int | None,
    rate_date: date | None,
    left_out: Sequence[str],
    as_of: date,
) -> str:
    """Amounts of several currencies as one total in ``currency`` at a day's ECB rates:
    ``≈ $1,234,567.00 at ECB rates of 2 Dec 2026``, naming the currencies it leaves out for want
    of a rate; without any rate, a short reason instead of a total."""
    if rate_date is None:
        return f"no total in {currency}: no ECB rates on or before {rate_day(as_of)}"
    missing = ", ".join(left_out)
    if amount_minor is None:
        return f"no total in {currency}: no ECB rate for {missing} on {rate_day(rate_date)}"
    text = f"≈ {money(amount_minor, currency)} at ECB rates of {rate_day(rate_date)}"
    return f"{text}; {missing} left out: no rate" if left_out else text


def duration(value: timedelta | float | None) -> str:
    """A length of time in its two largest units: ``3 d 4 h``, ``2 h 5 min``, ``45 min``."""
    seconds = value.total_seconds() if isinstance(value, timedelta) else _number(value)
    if seconds is None or seconds < 0:
        return MISSING
    whole = int(seconds)
    days, rest = divmod(whole, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{secs} s"


def ago(instant: datetime | None, now: datetime) -> str:
    """How long before ``now`` ``instant`` was: ``2 h ago``, ``just now``; ``in 3 h`` ahead."""
    if instant is None:
        return MISSING
    if instant.tzinfo is not None and now.tzinfo is not None:
        # Python subtracts two datetimes of one zone on the wall clock, which is wrong across
        # a daylight-saving change: compare the instants in UTC.
        instant, now = instant.astimezone(UTC), now.astimezone(UTC)
    delta = (now - instant).total_seconds()
    if abs(delta) < 60:
        return "just now"
    return f"{duration(delta)} ago" if delta > 0 else f"in {duration(-delta)}"


def instant(value: datetime | None, zone: ZoneInfo, now: datetime | None = None) -> str:
    """``2026-11-20 13:00 CET`` in the configured zone, and ``(2 h ago)`` given ``now``."""
    if value is None:
        return MISSING
    local = value.astimezone(zone)
    text = f"{local:%Y-%m-%d %H:%M} {local.tzname()}"
    return f"{text} ({ago(value, now)})" if now is not None else text


def ratio(value: object, *, places: int = 1) -> str:
    """A ratio as a percentage: ``0.975`` → ``97.5%``."""
    number = _number(value)
    return MISSING if number is None else f"{number * 100:.{places}f}%"


def count(value: object) -> str:
    """A whole count with thousands separators."""
    number = _number(value)
    return MISSING if number is None else f"{round(number):,}"


def metric_value(value: float, unit: str, labels: dict[str, str] | None = None) -> str:
    """A metric's value in the words its unit calls for: durations, percentages, money, counts."""
    if unit == "seconds":
        return duration(value)
    if unit == "ratio":
        return ratio(value)
    if unit == "minor" and labels and "currency" in labels:
        return money(value, labels["currency"])
    number = _number(value)
    if number is None:
        return MISSING
    return count(number) if number.is_integer() else f"{number:,.4g}"


def _words(value: object, table: dict[str, str]) -> str:
    """``value`` looked up in ``table``; an unknown name with its underscores as spaces."""
    if not isinstance(value, str) or not value:
        return MISSING
    return table.get(value, value.replace("_", " "))


def metric_title(name: object) -> str:
    """A metric's name in words: ``posting_failures`` → ``Invoice failed to post``."""
    text = _words(name, METRIC_TITLES)
    return text[:1].upper() + text[1:]


def system_title(system: object) -> str:
    """A system's proper name: ``netsuite`` → ``NetSuite``."""
    return _words(system, SYSTEM_TITLES)


def age_bucket_title(bucket: object) -> str:
    """An age bucket label in words: ``gt_7d`` → ``over 7 days``."""
    return _words(bucket, AGE_BUCKET_TITLES)


def object_title(object_type: object) -> str:
    """A record kind in words: ``subscription_change`` → ``subscription change``."""
    return _words(object_type, OBJECT_TITLES)


def team_title(owner: object) -> str:
    """An owning team in words: ``revops`` → ``RevOps team``."""
    return _words(owner, TEAM_TITLES)


def short_id(value: object, *, head: int = 8, tail: int = 4) -> str:
    """A long id cut to its start and end around an ellipsis (``in_1Tu31W…flNL``); short ids,
    and anything that is not text, are shown whole (an em dash for none)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    text = str(value)
    if len(text) <= head + tail + 1:
        return text
    return f"{text[:head]}{ELLIPSIS}{text[-tail:]}"
