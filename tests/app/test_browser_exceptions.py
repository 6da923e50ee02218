"""Owning exception items in Chromium at 1400×900: a link to an item lands on it, the assignee
is picked from the people who may work on it, notes join its timeline, and a bulk action over
the listed items says how many items and how much money before it changes anything."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from core.database import Database
from core.display import money_list
from tests.app.browser_kit import (
    RunningDashboard,
    heading,
    open_choices,
    screenshot,
    sign_in,
    visible_text,
)

pytestmark = pytest.mark.browser

TITLE = "Close readiness"


def _largest_posting_failure(store: Database) -> int:
    with store.connection() as conn:
        row = conn.execute(
            "SELECT id FROM exception_item WHERE resolved_at IS NULL "
            "AND metric = 'posting_failures' ORDER BY abs(amount_minor) DESC, id LIMIT 1"
        ).fetchone()
    assert row is not None
    return int(row[0])


def _main(page: Page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text().replace("\u2060", "")


def _pick(page: Page, label: str, option: str) -> None:
    """Choose ``option`` in the select box labelled ``label`` (typed, as a person may)."""
    box = page.get_by_label(label, exact=True)
    choice = page.get_by_role("option", name=option, exact=True)
    for _ in range(3):  # a redraw while typing closes the list: type it again
        open_choices(page, box)
        box.fill("")
        box.press_sequentially(option)
        try:
            expect(choice).to_be_visible(timeout=5_000)
        except AssertionError:
            page.keyboard.press("Escape")
        else:
            break
    expect(choice).to_be_visible()
    box.press("Enter")
    expect(box).to_have_value(option)


def test_an_item_is_assigned_noted_and_its_timeline_shown(
    page: Page, own_dashboard: RunningDashboard
) -> None:
    store = own_dashboard.store
    item = _largest_posting_failure(store)
    sign_in(page, f"{own_dashboard.url}/?item={item}", "fiona")
    heading(page, TITLE)
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text(f"Timeline of item #{item}")).to_be_visible()

    open_choices(page, page.get_by_label("Assignee", exact=True))
    offered = [o.strip() for o in page.get_by_role("option").all_inner_texts()]
    assert offered == ["Nobody", "ada", "fiona"]  # finance items: finance and admin only
    page.keyboard.press("Escape")
    _pick(page, "Assignee", "ada")
    page.get_by_label("Note", exact=True).fill("Ada knows the <NetSuite> admin")
    main.get_by_role("button", name="Assign", exact=True).click()
    expect(main.get_by_text("recorded in the audit log")).to_be_visible()
    assert f"Item #{item} assigned to ada: recorded in the audit log." in _main(page)
    heading(page, TITLE)

    page.get_by_label("Note", exact=True).fill("Asked for the posting log, *urgent*")
    main.get_by_role("button", name="Add note", exact=True).click()
    expect(main.get_by_text(f"Note added to item #{item}")).to_be_visible()
    heading(page, TITLE)
    text = _main(page)
    assert "status acknowledged, assigned to ada" in text
    assert "fiona assigned it to ada: “Ada knows the <NetSuite> admin”" in text
    assert "fiona added a note: “Asked for the posting log, *urgent*”" in text
    # Actions are stamped to the minute: a minute may turn between the click and this read.
    assert ("just now" in text or "1 min ago" in text) and "CET" in text
    assert page.get_by_label("Note", exact=True).input_value() == ""  # ready for the next one
    main.get_by_text("Work on an item").evaluate("e => e.scrollIntoView()")
    screenshot(page, "exception_item_timeline")
    with store.connection() as conn:
        state = conn.execute(
            "SELECT status, assignee, note FROM exception_item WHERE id = %s", (item,)
        ).fetchone()
        outbox = conn.execute("SELECT kind, channel FROM notification_outbox "
                              "WHERE kind = 'dm'").fetchall()  # fmt: skip
    assert state == ("acknowledged", "ada", "Asked for the posting log, *urgent*")
    assert outbox == [("dm", "@ada")]


def test_a_bulk_action_confirms_the_count_and_money_first(
    page: Page, own_dashboard: RunningDashboard
) -> None:
    store = own_dashboard.store
    with store.connection() as conn:
        rows = conn.execute(
            "SELECT id, amount_minor, currency FROM exception_item WHERE resolved_at IS NULL "
            "AND metric = 'silent_misses' AND status = 'open'"
        ).fetchall()
    assert len(rows) > 1
    worth: dict[str, int] = {}
    for _, amount, currency in rows:
        worth[currency] = worth.get(currency, 0) + abs(amount)
    sign_in(page, own_dashboard.url, "fiona")
    heading(page, TITLE)
    main = page.locator('[data-testid="stMain"]')
    _pick(page, "Issue", "Invoice missing from ERP (no log)")
    page.get_by_label("Note for every item", exact=True).fill("Checking the connector")
    main.get_by_role("button", name="Review").click()
    question = (
        f"Acknowledge {len(rows)} items worth {money_list(worth)}, with the note "
        '"Checking the connector"?'
    )
    confirm = main.get_by_role("button", name=f"Confirm: acknowledge {len(rows)} items")
    expect(confirm).to_be_visible()
    assert question in _main(page)  # (amounts carry invisible word joiners: app/text.py)
    confirm.scroll_into_view_if_needed()
    screenshot(page, "exception_bulk_confirmation")
    with store.connection() as conn:
        before = conn.execute(
            "SELECT count(*) FROM exception_event WHERE note = 'Checking the connector'"
        ).fetchone()
    assert before == (0,)  # nothing changes before the confirmation

    confirm.click()
    expect(main.get_by_text(f"{len(rows)} items acknowledged (worth")).to_be_visible()
    with store.connection() as conn:
        acked = conn.execute(
            "SELECT item_id FROM exception_event WHERE kind = 'acknowledged' "
            "AND actor = 'fiona' AND note = 'Checking the connector' ORDER BY item_id"
        ).fetchall()
        audit = conn.execute(
            "SELECT count(*) FROM audit_log WHERE action = 'exception.acknowledge'"
        ).fetchone()
    assert [r[0] for r in acked] == sorted(r[0] for r in rows)
    assert audit == (1,)
    assert "Invoice missing from ERP (no log)" in visible_text(page)
