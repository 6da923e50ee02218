"""AppTest per role: the menu, every allowed page against a seeded store, refusals, actions."""

from __future__ import annotations

import html
from datetime import timedelta

import psycopg
import pytest
import streamlit as st

from app.navigation import PAGES, allowed_pages
from app.queries import integration, records
from app.queries.core import Window
from app.queries.metric_sql import OPEN_ITEMS
from app.text import plain
from core.database import Database
from core.display import money_list
from core.roles import Identity
from metrics.results import status_document
from testkit.dashboard_store import NOW, ROLE_USERS
from tests.app.apptest_helpers import expected_titles, forbidden_scripts, menu, signed_in
from tests.metrics.fixtures import Store

pytestmark = pytest.mark.usefixtures("app_env")

# Tables the pages read; renamed away to prove a refused page reads none of them.
READ_TABLES = (
    "metric_evaluation", "metric_series", "exception_item", "kpi_report", "alert",
    "source_record", "sync_event", "audit_log", "source_health", "match_suggestion",
)  # fmt: skip


@pytest.mark.parametrize("name", list(ROLE_USERS))
def test_menu_lists_exactly_the_allowed_pages(name: str) -> None:
    at = signed_in(name)
    assert not at.exception
    assert menu(at) == expected_titles(ROLE_USERS[name])


def test_admin_sees_every_page() -> None:
    assert menu(signed_in("ada")) == [p.title for p in PAGES]


@pytest.mark.parametrize("name", list(ROLE_USERS))
def test_every_allowed_page_runs_against_the_seeded_store(name: str) -> None:
    at = signed_in(name)
    for spec in allowed_pages(Identity(name, frozenset(ROLE_USERS[name]))):
        at.switch_page(spec.script).run()
        assert not at.exception, (spec.script, at.exception)
        assert not at.error, (spec.script, [e.value for e in at.error])
        assert [t.value for t in at.title] == [spec.title]


@pytest.mark.parametrize("name", ["erin", "fiona", "rory", "ivan"])
def test_forbidden_pages_refuse_and_read_nothing(name: str, app_env: Database) -> None:
    at = signed_in(name)
    with psycopg.connect(app_env.url, autocommit=True) as conn:
        for table in READ_TABLES:
            conn.execute(f"ALTER TABLE {table} RENAME TO gone_{table}")
    st.cache_data.clear()
    for script in forbidden_scripts(ROLE_USERS[name]):
        at.switch_page(script).run()
        assert not at.exception, (script, at.exception)
        assert [e.value for e in at.error] == ["Not allowed: your roles do not include this page."]
        assert not at.title


def test_wrong_password_says_so_and_signs_nobody_in() -> None:
    at = signed_in("fiona", "not it")
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    assert menu(at) == []


def test_ten_wrong_passwords_pause_sign_in() -> None:
    for _ in range(9):
        assert signed_in("ivan", "nope").error[0].value == "Wrong user name or password."
    tenth = signed_in("ivan", "nope").error[0].value
    assert tenth.startswith("Too many wrong passwords in a row")
    locked = signed_in("ivan")
    assert locked.error[0].value.startswith("Too many wrong passwords in a row")
    assert menu(locked) == []


def test_sign_out_returns_to_the_form() -> None:
    at = signed_in("fiona")
    at.sidebar.button[0].click().run()
    assert menu(at) == []
    assert at.text_input(key="signin.password") is not None


def test_acknowledge_from_finance_is_audited(app_env: Database) -> None:
    at = signed_in("fiona")
    at.switch_page("app_pages/finance_close.py").run()
    item = at.selectbox[0].value
    at.button(key="FormSubmitter:finance.items.actions-Acknowledge").click().run()
    assert not at.exception
    assert "recorded in the audit log" in at.success[0].value
    with app_env.connection() as conn:
        status = conn.execute("SELECT status FROM exception_item WHERE id = %s", (item,)).fetchone()
        audit = conn.execute(
            "SELECT actor, action FROM audit_log WHERE target_id = %s", (str(item),)
        ).fetchall()
    assert status == ("acknowledged",)
    assert audit == [("fiona", "exception.acknowledge")]


def test_record_view_shows_the_record_in_every_system(app_env: Database) -> None:
    with app_env.connection() as conn:
        row = conn.execute(
            "SELECT i.link_ref FROM source_record i WHERE i.system = 'netsuite' "
            "AND i.object_type = 'invoice' AND i.link_ref IS NOT NULL LIMIT 1"
        ).fetchone()
    assert row is not None
    at = signed_in("ivan")
    at.query_params["system"] = "stripe"
    at.query_params["id"] = row[0]
    at.switch_page("app_pages/record_view.py").run()
    assert not at.exception
    markdown = " ".join(m.value for m in at.markdown)
    assert "**Stripe**" in markdown and "**NetSuite**" in markdown and plain(row[0]) in markdown


def _record_of(db: Database, system: str, object_type: str) -> str:
    with db.connection() as conn:
        row = conn.execute(
            "SELECT external_id FROM source_record WHERE system = %s AND object_type = %s "
            "ORDER BY external_id LIMIT 1",
            (system, object_type),
        ).fetchone()
    assert row is not None
    return str(row[0])


@pytest.mark.parametrize(
    ("user", "system", "object_type", "shown"),
    [
        ("fiona", "stripe", "invoice", True),
        ("fiona", "salesforce", "account", False),
        ("fiona", "netsuite", "customer", False),
        ("fiona", "stripe", "customer", False),
        ("rory", "salesforce", "account", True),
        ("rory", "stripe", "invoice", False),
        ("rory", "netsuite", "invoice", False),
        ("ivan", "netsuite", "customer", True),
    ],
)
def test_record_view_shows_a_record_only_to_roles_whose_pages_include_it(
    app_env: Database, user: str, system: str, object_type: str, shown: bool
) -> None:
    record_id = _record_of(app_env, system, object_type)
    at = signed_in(user)
    at.query_params["system"] = system
    at.query_params["id"] = record_id
    at.switch_page("app_pages/record_view.py").run()
    assert not at.exception
    markdown = " ".join(m.value for m in at.markdown)
    assert (plain(record_id) in markdown) is shown
    assert bool(at.get("json")) is shown
    if not shown:
        assert "among the records your roles may open" in at.warning[0].value


def test_finance_sees_only_finance_rows_beside_an_invoice(app_env: Database) -> None:
    invoice = _record_of(app_env, "stripe", "invoice")
    identity = Identity("fiona", frozenset({"finance"}))
    window = Window(until=NOW, span=timedelta(days=7))
    related = records.related(identity, window, "stripe", invoice)
    trail = records.trail(identity, window, "stripe", invoice)
    assert set(related["object_type"]) <= {"invoice"}
    assert set(trail["flow"]) <= {"invoice_billing_to_erp", "payment_billing_to_erp"}


def test_the_executive_page_renders_the_stored_weekly_report() -> None:
    at = signed_in("erin")
    at.switch_page("app_pages/executive_overview.py").run()
    assert not at.exception
    # The page writes the report's text as character references (shown as the text itself).
    shown = [html.unescape(m.value).replace("\u2060", "") for m in at.markdown]
    titles = [text for text in shown if "Weekly sync health" in text]
    assert titles == ["##### Weekly sync health — 2026-W46"]
    assert "**SLA attainment (weekly mean)**" in shown and "**What changed this week**" in shown
    # The week's computes found new items: the change table has a row per metric that changed.
    changes = next(t.value for t in at.table if "Still open" in list(t.value.columns))
    assert len(changes) > 0
    assert "Download (Markdown)" in [b.label for b in at.get("download_button")]


def test_a_poll_after_the_latest_compute_reads_as_fresh_not_negative() -> None:
    # The seeded polls succeeded at NOW - 2 min; a window ending an hour earlier (the latest
    # compute under an accelerated clock, say) must not show a negative age.
    window = Window(until=NOW - timedelta(hours=1), span=timedelta(days=1))
    frame = integration.collectors(Identity("ivan", frozenset({"integration"})), window)
    fresh = dict(zip(frame["source"], frame["freshness_seconds"], strict=True))
    assert fresh["salesforce"] == 0 and fresh["stripe"] == 0


def test_finance_first_screen_says_the_close_and_the_exact_money(app_env: Database) -> None:
    at = signed_in("fiona")
    at.switch_page("app_pages/finance_close.py").run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    # NOW is Friday 20 Nov 2026: November closes five business days after the 30th.
    assert any(
        c.startswith("Next close: November 2026 · 11 business days left (due Mon 7 Dec 2026)")
        for c in captions
    )
    with app_env.connection() as conn:
        rows = conn.execute(
            "SELECT currency, sum(amount_minor) FROM exception_item WHERE resolved_at IS NULL "
            "AND metric = ANY (%s) GROUP BY currency",
            (["posting_failures", "silent_misses", "payment_posting_failures",
              "payment_silent_misses"],),
        ).fetchall()  # fmt: skip
    amounts = {str(c).strip(): int(a) for c, a in rows}
    tile = next(m for m in at.metric if m.label == "Unposted invoices and payments")
    assert f"Exactly {money_list(amounts)}" in tile.proto.help
    assert money_list(amounts, compact=True) in captions


@pytest.mark.parametrize(
    ("metrics", "flow", "system"),
    [(["sync_backlog", "sla_breaches", "clock_skew_items"], None, None),
     (["posting_failures", "silent_misses", "amount_mismatches"], None, "stripe"),
     (["sync_backlog", "unmatched_accounts"], "account_crm_to_erp", None)],
)  # fmt: skip
def test_open_items_equal_one_sort_of_every_open_item(
    app_env: Database, metrics: list[str], flow: str | None, system: str | None
) -> None:
    plain = """
        SELECT id FROM exception_item
        WHERE resolved_at IS NULL AND metric = ANY (%(metrics)s::text[])
          AND (%(flow)s::text IS NULL OR labels ->> 'flow' IS NULL OR labels ->> 'flow' = %(flow)s)
          AND (%(system)s::text IS NULL OR system = %(system)s)
        ORDER BY abs(amount_minor) DESC NULLS LAST, id LIMIT %(limit)s
    """
    with psycopg.connect(app_env.url) as conn:
        for limit in (7, 1000):
            params = {"metrics": metrics, "flow": flow, "system": system, "limit": limit}
            listed = [r[0] for r in conn.execute(OPEN_ITEMS, params).fetchall()]
            expected = [r[0] for r in conn.execute(plain, params).fetchall()]
            assert listed == expected and len(expected) > 0


def test_revops_tiles_show_the_open_invoices_of_orphan_and_duplicate_customers(
    app_env: Database,
) -> None:
    orphan = Store()
    orphan.customer("stripe", "cus_nobody", account=None, created=NOW - timedelta(days=3))
    orphan.invoice("in_nobody_1", finalized=NOW - timedelta(days=2), total=1_234_56,
                   customer="cus_nobody")  # fmt: skip
    orphan.invoice("in_nobody_2", finalized=NOW - timedelta(days=1), total=10_00,
                   customer="cus_nobody")  # fmt: skip
    orphan.compute(app_env)
    with app_env.connection() as conn:
        metrics = status_document(conn)["metrics"]
    amounts = [
        m["value"] for m in metrics
        if m["name"] == "orphan_customers_amount" and m["labels"]["system"] == "stripe"
    ]  # fmt: skip
    assert amounts == [1_244_56]
    at = signed_in("rory")
    at.switch_page("app_pages/revops_accounts.py").run()
    assert not at.exception
    tile = next(m for m in at.metric if m.label == "Orphan customers")
    # The tile says the system in words and the money in the currency's own form, never
    # "stripe · USD"; the exact amount is on hover.
    assert "Exactly $1,244.56" in tile.proto.help
    captions = [c.value for c in at.caption]
    assert any("Stripe" in c and "$1.2K unpaid" in c for c in captions), captions
    assert not any("stripe ·" in c or "· USD" in c for c in captions)


def test_alerts_page_says_who_is_on_each_alert_and_no_one_else(app_env: Database) -> None:
    """One alert acknowledged and one not: the other reads "Not acknowledged yet", never as
    acknowledged by a missing value."""
    with app_env.connection() as conn:
        conn.execute(
            "INSERT INTO alert (fingerprint, rule, labels, state, severity, value, active_since, "
            "firing_since) VALUES ('f2', 'posting-failures', %s, 'firing', 'critical', 3, %s, %s)",
            ('{"flow": "payment_billing_to_erp"}', NOW, NOW),
        )
        conn.execute(
            "UPDATE alert SET acknowledged_by = 'ivan', acknowledged_at = %s, "
            "assigned_to = 'ivan', assigned_at = %s WHERE fingerprint = 'f1'",
            (NOW, NOW),
        )
    at = signed_in("ivan")
    at.switch_page("app_pages/integration_alerts.py").run()
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown)
    assert shown.count("**Acknowledged by ivan**") == 1
    assert shown.count("**Not acknowledged yet.**") == 1
    assert "nan" not in shown.split() and "None" not in shown
