"""The item panel in Streamlit's AppTest against the seeded store: the timeline, the assignee
list, actions checked on the server, and the bulk form with its review and confirmation."""

from __future__ import annotations

from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app import actions
from app.queries import finance, integration, revops
from app.text import plain
from core.database import Database
from core.roles import Identity, NotAllowedError
from metrics.exception_teams import TEAM_ITEMS
from testkit.dashboard_store import NOW
from tests.app.apptest_helpers import signed_in

pytestmark = pytest.mark.usefixtures("app_env")

FINANCE_PAGE = "app_pages/finance_close.py"
FORM = "FormSubmitter:finance.items.actions"
BULK = "FormSubmitter:finance.items.bulk-Review"


def _finance(name: str = "fiona") -> AppTest:
    at = signed_in(name)
    at.switch_page(FINANCE_PAGE).run()
    assert not at.exception
    return at


def _widget(widgets: Any, label: str) -> Any:
    return next(w for w in widgets if w.label == label)


def _people_events(db: Database) -> int:
    """How many timeline events people wrote (the seeded computes wrote their own)."""
    return int(_rows(db, "SELECT count(*) FROM exception_event WHERE actor <> 'syncwatch'")[0][0])


def _rows(db: Database, sql: str, *params: object) -> list[tuple[Any, ...]]:
    with db.connection() as conn:
        return [tuple(r) for r in conn.execute(sql, params).fetchall()]


def test_the_team_table_is_what_each_page_lists() -> None:
    assert list(TEAM_ITEMS["finance"]) == finance.FINANCE_METRICS
    assert list(TEAM_ITEMS["revops"]) == [*revops.ACCOUNT_ITEMS, "stuck_amendments"]
    assert list(TEAM_ITEMS["integration"]) == integration.INTEGRATION_ITEMS


def test_assignees_are_the_enabled_people_who_may_work_on_the_items(app_env: Database) -> None:
    at = _finance()
    assert _widget(at.selectbox, "Assignee").options == ["Nobody", "ada", "fiona"]
    with app_env.connection() as conn:
        conn.execute("UPDATE app_user SET disabled = true WHERE name = 'ada'")
    st.cache_data.clear()  # the page reads people through a 30-second cache
    at = _finance()
    assert _widget(at.selectbox, "Assignee").options == ["Nobody", "fiona"]


def test_assign_then_unassign_shows_in_the_timeline(app_env: Database) -> None:
    at = _finance()
    item = int(_widget(at.selectbox, "Exception item").value)
    _widget(at.selectbox, "Assignee").select("ada")
    at.text_area(key="finance.items.note").input("ada has the NetSuite login")
    at.button(key=f"{FORM}-Assign").click().run()
    assert not at.exception
    assert at.success[0].value == plain(
        f"Item #{item} assigned to ada: recorded in the audit log. ada is told by Slack "
        "direct message."
    )
    assert at.text_area(key="finance.items.note").value == ""
    _widget(at.selectbox, "Assignee").select("Nobody")
    at.button(key=f"{FORM}-Assign").click().run()
    assert at.success[0].value == plain(
        f"Item #{item} no longer assigned: recorded in the audit log."
    )
    timeline = next(m.value for m in at.markdown if "found the problem" in m.value)
    assert "fiona assigned it to ada" in timeline.replace("\u2060", "")
    assert "fiona took it off ada" in timeline.replace("\u2060", "")
    assert _rows(app_env, "SELECT kind, actor, assignee, note FROM exception_event "
                          "WHERE item_id = %s ORDER BY id", item) == [
        ("assigned", "fiona", "ada", "ada has the NetSuite login"),
        ("unassigned", "fiona", "ada", None),
    ]  # fmt: skip
    assert _rows(app_env, "SELECT kind, channel FROM notification_outbox") == [("dm", "@ada")]


def test_a_note_is_needed_to_add_a_note_or_resolve(app_env: Database) -> None:
    at = _finance()
    at.button(key=f"{FORM}-Add note").click().run()
    assert [e.value for e in at.error] == ["write the note to add"]
    at.button(key=f"{FORM}-Resolve with note").click().run()
    assert [e.value for e in at.error] == ["say what was done in a note to resolve the item"]
    assert _people_events(app_env) == 0


def test_the_server_refuses_another_teams_items(app_env: Database) -> None:
    (item,) = _rows(app_env, "SELECT id FROM exception_item WHERE metric = 'posting_failures' "
                             "AND resolved_at IS NULL LIMIT 1")[0]  # fmt: skip
    rory = Identity("rory", frozenset({"revops"}))
    with pytest.raises(NotAllowedError):
        actions.exception_action(rory, "finance", [item], "acknowledge", NOW)
    with pytest.raises(actions.exception_actions.ExceptionActionError, match="not yours"):
        actions.exception_action(rory, "revops", [item], "acknowledge", NOW)


def test_bulk_review_then_confirm_acts_on_the_narrowed_items(app_env: Database) -> None:
    at = _finance()
    _widget(at.selectbox, "Issue").select("payment_posting_failures")
    _widget(at.radio, "Action").set_value("resolve")
    at.button(key=BULK).click().run()
    assert [e.value for e in at.error] == [
        "Write a note saying what was done: resolving needs one."
    ]
    at.text_input(key="finance.items.bulk.note").input("reposted from the payment queue")
    at.button(key=BULK).click().run()
    expected = [r[0] for r in _rows(
        app_env, "SELECT id FROM exception_item WHERE resolved_at IS NULL "
                 "AND metric = 'payment_posting_failures' ORDER BY id")]  # fmt: skip
    question = at.warning[0].value.replace("\u2060", "")
    assert question.startswith(f"Resolve {len(expected)} items worth ")
    assert _people_events(app_env) == 0

    at.button(key="finance.items.bulk.confirm").click().run()
    assert not at.exception
    assert at.success[0].value.startswith(plain(f"{len(expected)} items resolved (worth "))
    resolved = _rows(
        app_env,
        "SELECT item_id FROM exception_event WHERE kind = 'resolved' "
        "AND note = 'reposted from the payment queue' ORDER BY item_id",
    )
    assert [r[0] for r in resolved] == expected
    assert not at.warning  # the confirmation is gone


def test_bulk_cancel_changes_nothing(app_env: Database) -> None:
    at = _finance()
    _widget(at.selectbox, "Open for at least").select("30 days")
    at.button(key=BULK).click().run()
    assert at.warning
    at.button(key="finance.items.bulk.cancel").click().run()
    assert not at.warning
    assert _people_events(app_env) == 0
