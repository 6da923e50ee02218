"""The rules that find raw text on a page: each one names what it should and nothing else."""

from __future__ import annotations

import pytest

from core.display import duration, money
from tests.app.raw_text import raw_findings


@pytest.mark.parametrize(
    ("text", "finding"),
    [
        ("amount_minor 4200", "minor-unit column: amount_minor"),
        ("Amount: None", "missing value: None"),
        ("Customer: nan", "missing value: nan"),
        ("lag NaN h", "missing value: NaN"),
        ("Open since NaT", "missing value: NaT"),
        ("Owner <NA>", "missing value: <NA>"),
        ("Problem: posting_failures", "id: posting_failures"),
        ("flow invoice_billing_to_erp", "id: invoice_billing_to_erp"),
        ("Age group gt_7d", "id: gt_7d"),
        ("a subscription_change record", "id: subscription_change"),
        ("stripe · USD", "system id: stripe"),
        ("synced to netsuite", "system id: netsuite"),
        ("state in_progress", "snake_case word: in_progress"),
        ("target app_user", "snake_case word: app_user"),
        ("Oldest item 172800 s", "seconds: 172800 s"),
        ("lag 100,000 seconds", "seconds: 100,000 seconds"),
        ("Open for -3 h", "negative duration: -3 h"),
        ("updated −45 min ago", "negative duration: −45 min"),
        ("Oldest blocker: -2 d", "negative duration: -2 d"),
        ("Total 123456 USD", "minor units: 123456 USD"),
        ("Total EUR 5170000", "minor units: EUR 5170000"),
        ("Total JPY629000", "minor units: JPY629000"),
        ("Amount $4672500", "minor units: $4672500"),
        ("Credit -€100000", "minor units: €100000"),
    ],
)
def test_raw_text_is_named(text: str, finding: str) -> None:
    assert finding in raw_findings(text)


@pytest.mark.parametrize(
    "text",
    [
        "Next close: November 2026 · 11 business days left (due Mon 7 Dec 2026)",
        "as of 2026-11-20 13:00 CET (2 h ago)",
        f"Open for {duration(172_800)} · {duration(45 * 60)} · {duration(59)}",
        f"{money(4_672_500, 'USD')} · {money(629_000, 'JPY')} · {money(-1234, 'KWD')}",
        f"{money(20_570_000, 'EUR', compact=True)} · {money(-123_450, 'USD')}",
        "None of the invoices is late.",
        "Invoices → ERP · Accounts → billing customers · Open in Stripe · NetSuite",
        "the middleware's log trail",
        "Age group 1 – 7 days · 1-7 days · 1 - 7 days",
        "Write to ivan_ops@example.com or see https://wiki.example.com/run_books/sync_lag",
        "record?system=stripe&id=in_does_not_exist#in_does…xist · finance?item=23",
        "Record in_1Tu31WflNL · customer cus_kLplbVh5 · invoice no. A0F272FA-0002",
        "NetSuite internal id 4564017 · 100000 records collected",
        "Up 12 vs last week · -3 vs last week · 45 min",
        "Retry in 30 s · 99999 s",
    ],
)
def test_words_and_formatted_figures_pass(text: str) -> None:
    assert raw_findings(text) == []


def test_each_piece_is_named_once_in_order() -> None:
    text = "posting_failures, posting_failures and amount_minor None"
    assert raw_findings(text) == [
        "minor-unit column: amount_minor",
        "missing value: None",
        "id: posting_failures",
    ]
