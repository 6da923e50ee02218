"""Codes in people's words: metric titles, systems, age groups and shortened ids."""

from __future__ import annotations

from pathlib import Path

from core.display import (
    METRIC_TITLES,
    MISSING,
    age_bucket_title,
    metric_title,
    object_title,
    short_id,
    system_title,
)

SQL = Path(__file__).resolve().parents[2] / "sql"


def test_every_metric_has_a_title_in_words() -> None:
    names = {p.stem for p in (SQL / "metrics").glob("*.sql")}
    names |= {p.stem for p in (SQL / "exceptions").glob("*.sql")}
    assert names <= set(METRIC_TITLES)
    assert all("_" not in title for title in METRIC_TITLES.values())


def test_titles_and_words() -> None:
    assert metric_title("posting_failures") == "Invoice failed to post"
    assert metric_title("something_new") == "Something new"
    assert metric_title(None) == MISSING
    assert system_title("netsuite") == "NetSuite"
    assert age_bucket_title("gt_7d") == "over 7 days"
    assert age_bucket_title(float("nan")) == MISSING
    assert object_title("subscription_change") == "subscription change"


def test_short_ids_keep_start_and_end() -> None:
    assert short_id("in_1Tu31WsewwR3WC5VLSM6flNL") == "in_1Tu31…flNL"
    assert short_id("339001") == "339001"
    assert short_id("abcdefghijklm") == "abcdefghijklm"
    assert short_id(None) == MISSING
    assert short_id(float("nan")) == MISSING
