"""The executive page without exchange rates: the money at risk says it has no total, never
zero; the largest risks in the reporting currency lead, the others follow in their own."""

from __future__ import annotations

from core.database import Database
from core.display import MISSING, money_list
from tests.app.apptest_helpers import signed_in


def test_without_rates_the_total_is_missing_and_each_currency_is_shown(app_env: Database) -> None:
    with app_env.connection() as conn:
        rows = conn.execute(
            """
            SELECT currency, sum(amount) FROM (
                SELECT currency::text AS currency, max(abs(amount_minor)) AS amount
                FROM exception_item
                WHERE resolved_at IS NULL AND amount_minor IS NOT NULL AND metric = ANY (%s)
                GROUP BY system, object_type, external_id, currency) r
            GROUP BY currency
            """,
            (["posting_failures", "silent_misses", "amount_mismatches",
              "payment_posting_failures", "payment_silent_misses", "stuck_amendments",
              "unmatched_accounts", "orphan_customers", "duplicate_customers"],),
        ).fetchall()  # fmt: skip
    amounts = {str(c): int(a) for c, a in rows}
    at = signed_in("erin")
    at.switch_page("app_pages/executive_overview.py").run()
    assert not at.exception
    tile = next(m for m in at.metric if m.label == "Money at risk")
    assert tile.value == MISSING
    assert f"Exactly {money_list(amounts)}; no total in USD" in tile.proto.help
    captions = [c.value for c in at.caption]
    assert f"{money_list(amounts, compact=True)} · no ECB rates loaded" in captions
    risks = at.dataframe[0].value
    assert len(risks) == 5
    # Dollars need no rate and lead; the other currencies follow, each said to have no rate.
    dollars = [a.startswith("$") for a in risks["amount"]]
    assert dollars == sorted(dollars, reverse=True)
    for amount, value in zip(risks["amount"], risks["converted"], strict=True):
        assert value == (amount if amount.startswith("$") else "no ECB rate")
