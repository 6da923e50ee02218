"""The dashboard's own addresses, and the CSV's machine-readable columns."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pandas as pd
import pytest

from app.csv_export import machine_readable
from app.links import item_href, parse_record_address, record_href


def test_a_record_address_carries_the_full_id_and_its_short_form() -> None:
    href = record_href("stripe", "in_1Tu31WsewwR3WC5VLSM6flNL")
    assert href == "record?system=stripe&id=in_1Tu31WsewwR3WC5VLSM6flNL#in_1Tu31…flNL"
    odd = record_href("stripe", "in_[x](http://evil/id)&y=1")
    assert odd.startswith("record?system=stripe&id=in_%5Bx%5D%28http%3A%2F%2Fevil%2Fid%29%26y%3D1#")


def test_an_item_address_names_its_page() -> None:
    assert item_href("finance", 23) == "finance?item=23"


@pytest.mark.parametrize(
    ("value", "parsed"),
    [("stripe:in_1", ("stripe", "in_1")), (" NetSuite : 339001 ", ("netsuite", "339001")),
     ("salesforce:a:b", ("salesforce", "a:b")), ("in_1", None), ("stripe:", None), (":x", None)],
)  # fmt: skip
def test_record_parameter(value: str, parsed: tuple[str, str] | None) -> None:
    assert parse_record_address(value) == parsed


def test_csv_keeps_decimal_amounts_iso_currency_and_iso_instants() -> None:
    frame = pd.DataFrame(
        {
            "external_id": ["in_1", "in_2"],
            "amount_minor": [123456, None],
            "currency": ["USD", "JPY"],
            "since": [datetime(2026, 11, 20, 12, tzinfo=UTC), None],
            "labels": [{"age_bucket": "gt_7d"}, {}],
        }
    )
    out = machine_readable(frame)
    assert list(out.columns) == ["external_id", "amount", "currency", "since", "labels"]
    assert out["amount"][0] == Decimal("1234.56") and out["amount"][1] is None
    assert out["since"][0] == "2026-11-20T12:00:00+00:00"
    assert out["labels"][0] == '{"age_bucket": "gt_7d"}'
