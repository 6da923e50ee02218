"""The change since last week in words, arrow and colour."""

from __future__ import annotations

from app.changes import Change, count_change, money_change, points_change


def test_more_money_at_risk_is_up_in_red_and_less_is_down_in_green() -> None:
    assert money_change(1_250_000_00, 1_237_600_00, "USD") == Change(
        "up $12.4K vs last week", "up", "red"
    )
    assert money_change(100_00, 350_00, "EUR") == Change(
        "down €250.00 vs last week", "down", "green"
    )


def test_a_higher_share_is_up_in_green_and_no_change_says_so() -> None:
    assert points_change(0.962, 0.95) == Change("up 1.2 pts vs last week", "up", "green")
    assert points_change(0.9, 0.9) == Change("no change vs last week", "off", "gray")
    assert count_change(3, 8) == Change("down 5 vs last week", "down", "green")
