"""How the metrics judge what they find: the amount-mismatch tolerance per currency."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from pydantic import Field, field_validator

from core.config.base import ConfigModel
from core.errors import RecordError
from core.money import currency_code, exponent, exponents, to_minor

DEFAULT_KEY = "default"
TWO_DECIMALS = 2
"""Decimal places of every currency core.money.exponents does not list."""


class MetricSettings(ConfigModel):
    """Settings of the metric computation."""

    mismatch_tolerance: dict[str, Decimal] = Field(
        default_factory=dict,
        description=(
            "largest difference between the billing and the ERP total, in the currency's major "
            "unit (USD: 0.01 is one cent), that is not an amount mismatch; keyed by ISO 4217 "
            "code, 'default' for every other currency (exact when unset)"
        ),
    )

    @field_validator("mismatch_tolerance")
    @classmethod
    def _tolerances(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        checked: dict[str, Decimal] = {}
        for key, amount in value.items():
            code = key if key == DEFAULT_KEY else _code(key)
            if code in checked:
                raise ValueError(f"{key}: {code} is given twice")
            if not amount.is_finite() or amount < 0:
                raise ValueError(f"{key}: must be zero or a positive amount (got {amount})")
            if code != DEFAULT_KEY:
                try:
                    to_minor(amount, code)
                except RecordError:
                    raise ValueError(
                        f"{key}: {amount} has more decimals than {code} allows"
                    ) from None
            checked[code] = amount
        return checked

    def tolerance_minor(self, currency: str) -> int:
        """The tolerance of ``currency`` in its minor unit.

        A currency without an entry takes the default; where the default is finer than the
        currency's minor unit (0.01 for JPY) it rounds down, since no difference in that
        currency can be that small but not zero.
        """
        code = currency.upper()
        amount = self.mismatch_tolerance.get(code)
        if amount is not None:
            return to_minor(amount, code)
        return self._default_minor(exponent(code))

    def tolerance_table(self) -> dict[str, int]:
        """Minor-unit tolerances as the metric SQL reads them: ``default`` for currencies with
        two decimals, and an entry for each configured currency and each with other decimals."""
        codes = {*exponents(), *self.mismatch_tolerance} - {DEFAULT_KEY}
        table = {DEFAULT_KEY: self._default_minor(TWO_DECIMALS)}
        table.update({code: self.tolerance_minor(code) for code in sorted(codes)})
        return table

    def _default_minor(self, decimals: int) -> int:
        default = self.mismatch_tolerance.get(DEFAULT_KEY, Decimal(0))
        return int(default.scaleb(decimals).to_integral_value(ROUND_FLOOR))


def _code(key: str) -> str:
    try:
        return currency_code(key)
    except RecordError:
        raise ValueError(f"{key!r} is not 'default' or an ISO 4217 currency code") from None
