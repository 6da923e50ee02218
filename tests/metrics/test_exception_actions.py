"""Owning exception items against a real store: each action a timeline event and an audit entry,
assignment only to enabled users who may work on the item, bulk actions in one transaction."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from core.config import Settings
from core.database import Database
from metrics import exception_actions as actions
from metrics.exception_actions import ExceptionActionError
from metrics.exception_events import timeline
from metrics.exception_selection import ItemFilter
from metrics.exception_teams import TEAM_ITEMS
from tests.metrics.exception_world import AT, add_item, add_users, audit, events, item_state

FINANCE = TEAM_ITEMS["finance"]
LATER = AT + timedelta(minutes=5)


def test_an_item_is_acknowledged_assigned_noted_and_resolved_with_a_timeline(db: Database) -> None:
    add_users(db)
    item = add_item(db, "in_1")
    with db.connection() as conn:
        acked = actions.acknowledge(conn, item, actor="fiona", at=AT, metrics=FINANCE)
        assigned = actions.assign(
            conn, item, assignee="frank", actor="fiona", at=AT, metrics=FINANCE,
            note="  frank knows this customer  ",
        )  # fmt: skip
        actions.add_note(conn, item, note="asked NetSuite support", actor="frank", at=LATER)
        actions.add_note(conn, item, note="ticket NS-4411 open", actor="frank", at=LATER)
        resolved = actions.resolve(conn, item, note="reposted by hand", actor="frank", at=LATER)
        entries = timeline(conn, item)
    assert acked.message == f"Item #{item} acknowledged."
    assert assigned.message == f"Item #{item} assigned to frank."
    assert resolved.message == f"Item #{item} resolved."
    assert events(db, item) == [
        ("acknowledged", "fiona", None, None),
        ("assigned", "fiona", "frank knows this customer", "frank"),
        ("note", "frank", "asked NetSuite support", None),
        ("note", "frank", "ticket NS-4411 open", None),
        ("resolved", "frank", "reposted by hand", None),
    ]
    assert [e.at for e in entries] == [AT, AT, LATER, LATER, LATER]
    assert item_state(db, item) == ("resolved", "frank", "reposted by hand", LATER)
    logged = audit(db)
    assert [(a, act, target) for a, act, target, _ in logged] == [
        ("fiona", "exception.acknowledge", str(item)),
        ("fiona", "exception.assign", str(item)),
        ("frank", "exception.note", str(item)),
        ("frank", "exception.note", str(item)),
        ("frank", "exception.resolve", str(item)),
    ]
    assert logged[1][3] == {
        "items": [item], "metric": "posting_failures", "record": "stripe/invoice/in_1",
        "assignee": "frank", "note": "frank knows this customer",
    }  # fmt: skip


def test_asking_for_what_is_already_so_changes_nothing(db: Database) -> None:
    add_users(db)
    item = add_item(db, "in_1", assignee=None)
    with db.connection() as conn:
        actions.assign(conn, item, assignee="frank", actor="fiona", at=AT)
        again = actions.assign(conn, item, assignee="frank", actor="fiona", at=LATER)
        acked = actions.acknowledge(conn, item, actor="fiona", at=LATER)
    assert again.message == f"Item #{item} is already assigned to frank: nothing changed."
    assert acked.message == f"Item #{item} is already acknowledged: nothing changed."
    assert not again.changed and not again.event_ids
    assert events(db, item) == [("assigned", "fiona", None, "frank")]
    assert [a[1] for a in audit(db)] == ["exception.assign"]


def test_unassigning_names_who_was_taken_off(db: Database) -> None:
    add_users(db)
    item = add_item(db, "in_1")
    with db.connection() as conn:
        actions.assign(conn, item, assignee="frank", actor="fiona", at=AT)
        off = actions.unassign(conn, item, actor="fiona", at=LATER, note="frank is away")
        nobody = actions.unassign(conn, item, actor="fiona", at=LATER)
    assert off.message == f"Item #{item} no longer assigned."
    assert nobody.message == f"Item #{item} is not assigned to anyone: nothing changed."
    assert events(db, item)[-1] == ("unassigned", "fiona", "frank is away", "frank")
    assert item_state(db, item)[:3] == ("acknowledged", None, "frank is away")
    assert audit(db)[-1][3]["was_assigned_to"] == ["frank"]


@pytest.mark.parametrize(
    ("assignee", "message"),
    [
        ("bob", "there is no syncwatch user named 'bob' to assign to"),
        ("frank", "the user 'frank' is disabled: pick an enabled user to assign to"),
        ("erin", "erin may not work on these items (Invoice failed to post): that takes the "
                 "finance role, or admin"),
        ("rory", "rory may not work on these items"),
        (" ", "name the person to assign the item to"),
    ],
)  # fmt: skip
def test_assignment_is_only_to_enabled_users_who_may_work_on_the_item(
    db: Database, assignee: str, message: str
) -> None:
    add_users(db, disabled=("frank",))
    item = add_item(db, "in_1")
    with db.connection() as conn, pytest.raises(ExceptionActionError, match=re.escape(message)):
        actions.assign(conn, item, assignee=assignee, actor="fiona", at=AT)
    assert item_state(db, item) == ("open", None, None, None)
    assert events(db, item) == [] and audit(db) == []


def test_an_administrator_and_the_integration_team_take_their_own_items(db: Database) -> None:
    add_users(db)
    backlog = add_item(db, "in_2", metric="sync_backlog", owner="integration")
    finance = add_item(db, "in_3")
    with db.connection() as conn:
        actions.assign(conn, backlog, assignee="ivan", actor="ivan", at=AT)
        actions.assign(conn, finance, assignee="ada", actor="fiona", at=AT)
    assert item_state(db, backlog)[1] == "ivan" and item_state(db, finance)[1] == "ada"


def test_an_item_that_cannot_be_acted_on_says_why(db: Database) -> None:
    add_users(db)
    item = add_item(db, "in_1")
    account = add_item(db, "001A", metric="unmatched_accounts", system="salesforce")
    with db.connection() as conn:
        actions.resolve(conn, item, note="done", actor="fiona", at=AT)
        with pytest.raises(ExceptionActionError, match="is not open: it was resolved 2026-11-21"):
            actions.acknowledge(conn, item, actor="fiona", at=LATER)
        with pytest.raises(ExceptionActionError, match=f"there is no exception item {item + 99}"):
            actions.acknowledge(conn, item + 99, actor="fiona", at=LATER)
        with pytest.raises(ExceptionActionError, match="not yours to change"):
            actions.acknowledge(conn, account, actor="fiona", at=LATER, metrics=FINANCE)
        with pytest.raises(ExceptionActionError, match="say what was done"):
            actions.resolve(conn, account, note="  ", actor="rory", at=LATER)
        with pytest.raises(ExceptionActionError, match="keep it to 2,000 at most"):
            actions.add_note(conn, account, note="x" * 2001, actor="rory", at=LATER)
        with pytest.raises(ExceptionActionError, match="write the note"):
            actions.add_note(conn, account, note="", actor="rory", at=LATER)
        # A closed item still takes notes: what was learnt after the fact.
        actions.add_note(conn, item, note="root cause: expired token", actor="fiona", at=LATER)
    assert events(db, item)[-1] == ("note", "fiona", "root cause: expired token", None)
    assert item_state(db, item)[2] == "root cause: expired token"


def test_a_bulk_action_covers_the_filtered_selection_in_one_transaction(db: Database) -> None:
    add_users(db)
    old_usd = add_item(db, "in_1", amount_minor=1200_00, since=timedelta(days=3))
    old_eur = add_item(db, "in_2", amount_minor=-300_00, currency="EUR", since=timedelta(days=2))
    recent = add_item(db, "in_3", since=timedelta(hours=1))
    other_flow = add_item(db, "in_4", flow="payment_billing_to_erp", since=timedelta(days=5),
                          metric="payment_posting_failures")  # fmt: skip
    done = add_item(db, "in_5", since=timedelta(days=9))
    with db.connection() as conn:
        actions.acknowledge(conn, old_eur, actor="fiona", at=AT)
        actions.resolve(conn, done, note="fixed", actor="fiona", at=AT)
        selection = ItemFilter(
            scope=FINANCE, flow="invoice_billing_to_erp", opened_before=AT - timedelta(days=1)
        )
        acked = actions.act(conn, "acknowledge", selection, actor="frank", at=LATER,
                            note="looking at the old ones")  # fmt: skip
        resolved = actions.act(conn, "resolve", selection, actor="frank", at=LATER,
                               note="reposted in a batch")  # fmt: skip
    assert acked.message == "1 item acknowledged (worth $1,200.00); 1 was already acknowledged."
    assert resolved.message == "2 items resolved (worth €300.00 · $1,200.00)."
    assert [i.id for i in resolved.changed] == [old_usd, old_eur]
    for untouched in (recent, other_flow):
        assert item_state(db, untouched) == ("open", None, None, None)
        assert events(db, untouched) == []
    assert events(db, old_usd) == [
        ("acknowledged", "frank", "looking at the old ones", None),
        ("resolved", "frank", "reposted in a batch", None),
    ]
    last = audit(db)[-1]
    assert last[:3] == ("frank", "exception.resolve", None)
    assert last[3]["items"] == [old_usd, old_eur] and last[3]["note"] == "reposted in a batch"
    assert last[3]["selection"]["flow"] == "invoice_billing_to_erp"


def test_a_bulk_assignment_refused_for_one_item_changes_none(db: Database) -> None:
    add_users(db)
    finance = add_item(db, "in_1")
    backlog = add_item(db, "in_2", metric="sync_backlog", owner="integration")
    everything = ItemFilter(ids=(finance, backlog))
    with db.connection() as conn:
        with pytest.raises(ExceptionActionError, match=r"frank may not work on these items"):
            actions.act(conn, "assign", everything, actor="ada", at=AT, assignee="frank")
        nothing = actions.act(conn, "resolve", ItemFilter(system="zendesk"), actor="ada", at=AT,
                              note="n/a")  # fmt: skip
    assert item_state(db, finance) == item_state(db, backlog) == ("open", None, None, None)
    assert audit(db) == []
    assert nothing.message == "No open item matches: nothing changed."


@pytest.mark.parametrize(
    ("selection", "expected"),
    [
        (ItemFilter(metric="sync_backlog"), ["in_3"]),
        (ItemFilter(system="netsuite"), ["ns_2"]),
        (ItemFilter(owner="integration"), ["in_3"]),
        (ItemFilter(assignee="frank"), ["in_1"]),
        (ItemFilter(unassigned=True), ["ns_2", "in_3"]),
        (ItemFilter(opened_before=AT - timedelta(days=1)), ["in_1", "ns_2"]),
        (ItemFilter(scope=FINANCE, unassigned=True), ["ns_2"]),
    ],
)
def test_each_filter_narrows_the_selection(
    db: Database, selection: ItemFilter, expected: list[str]
) -> None:
    add_users(db)
    add_item(db, "in_1", assignee="frank", since=timedelta(days=2))
    add_item(db, "ns_2", system="netsuite", since=timedelta(days=4))
    add_item(db, "in_3", metric="sync_backlog", owner="integration")
    with db.connection() as conn:
        outcome = actions.act(conn, "note", selection, actor="ada", at=AT, note="seen")
    assert [i.external_id for i in outcome.changed] == expected


def test_people_named_in_the_configuration_are_users_too(db: Database) -> None:
    """Where people sign in through a proxy, the identities auth.roles names can be assigned;
    a disabled local user stays refused whatever the configuration says."""
    add_users(db, disabled=("frank",))
    item = add_item(db, "in_1")
    proxy = Settings.model_validate(
        {"auth": {"mode": "proxy", "trusted_proxies": ["127.0.0.1/32"],
                  "roles": {"pat@example.com": ["finance"], "frank": ["finance"]}}}
    )  # fmt: skip
    people = actions.configured_people(proxy)
    assert actions.configured_people(Settings()) == {}
    with db.connection() as conn:
        with pytest.raises(ExceptionActionError, match="'frank' is disabled"):
            actions.assign(conn, item, assignee="frank", actor="fiona", at=AT, people=people)
        actions.assign(conn, item, assignee="pat@example.com", actor="fiona", at=AT, people=people)
    assert item_state(db, item)[1] == "pat@example.com"
