"""Money display: minor units to major units per currency, never summed across currencies."""

from __future__ import annotations

from numbers import Real

from collectors.money import exponent


def major(amount_minor: float, currency: str) -> float:
    """``amount_minor`` in the currency's major unit."""
    return float(amount_minor) / float(10 ** exponent(currency))


def format_amount(amount_minor: object, currency: object) -> str:
    """``12,345.67`` in the currency's major unit, exact to its minor unit (an em dash without
    an amount or currency, NaN included): for places whose label names the currency."""
    if not isinstance(currency, str) or not isinstance(amount_minor, Real):
        return "—"
    if amount_minor != amount_minor:  # NaN: pandas' missing value
        return "—"
    return f"{major(float(amount_minor), currency):,.{exponent(currency)}f}"


def format_money(amount_minor: object, currency: object) -> str:
    """``12,345.67 USD`` (or an em dash without an amount or currency, NaN included)."""
    amount = format_amount(amount_minor, currency)
    return amount if amount == "—" else f"{amount} {str(currency).upper().strip()}"
