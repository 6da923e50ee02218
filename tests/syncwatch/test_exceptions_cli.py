"""``syncwatch exceptions ack|assign|unassign|note|resolve|show`` against a real store: one item
or every matching item, as a syncwatch user, audited; an assignee is told in Slack (through the
stand-in); a refusal is one line naming the problem and the fix."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from core.database import Database
from sandbox.slack_standin import StandInUser
from syncwatch.cli import app
from tests.alerts.standin import running_slack
from tests.metrics.exception_world import add_item, add_users, audit, events, item_state

NOW = "2026-11-21T09:00:00Z"
FRANK = StandInUser("U0FRANK", "frank", "frank@example.com", "Frank Ode")


@dataclass
class Cli:
    """The CLI against one store with one config file."""

    db: Database
    config: Path

    def run(self, *args: str) -> Any:
        """``syncwatch --config … --now NOW args``; the click result."""
        return CliRunner().invoke(
            app,
            ["--config", str(self.config), "--now", NOW, *args],
            env={"DATABASE_URL": self.db.url, "COLUMNS": "200"},
        )

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.exit_code == 0, (result.output, result.exception)
        return str(result.output)

    def refused(self, *args: str) -> str:
        """The one-line reason a command is refused with (as the real CLI prints it)."""
        result = self.run(*args)
        assert result.exit_code != 0 and result.exception is not None, result.output
        message = str(result.exception)
        assert "\n" not in message
        return message


@pytest.fixture
def cli(db: Database, tmp_path: Path) -> Cli:
    add_users(db)
    config = tmp_path / "syncwatch.yaml"
    config.write_text("timezone: UTC\n", encoding="utf-8")
    return Cli(db, config)


def test_the_list_shows_each_items_number_status_and_assignee(cli: Cli) -> None:
    first = add_item(cli.db, "in_1", amount_minor=1234_50, assignee="frank")
    add_item(cli.db, "001A", metric="unmatched_accounts", system="salesforce", flow=None)
    listed = cli.ok("exceptions", "--metric", "posting_failures")
    row = next(line for line in listed.splitlines() if "in_1" in line)
    assert [cell.strip() for cell in row.split("│")[1:7]] == [
        str(first), "posting_failures", "stripe invoice in_1", "$1,234.50", "open", "frank",
    ]  # fmt: skip
    assert "001A" not in listed
    document = json.loads(cli.ok("exceptions", "--json", "--flow", "invoice_billing_to_erp"))
    assert [e["external_id"] for e in document["exceptions"]] == ["in_1"]


def test_one_item_is_acknowledged_assigned_noted_and_resolved(cli: Cli) -> None:
    item = add_item(cli.db, "in_1")
    n = str(item)
    assert cli.ok("exceptions", "ack", n, "--by", "fiona") == f"Item #{item} acknowledged.\n"
    assigned = cli.ok("exceptions", "assign", n, "--to", "frank", "--by", "fiona",
                      "--note", "frank knows them")  # fmt: skip
    assert assigned.splitlines() == [
        f"Item #{item} assigned to frank.",
        "frank is told by Slack direct message at the next delivery.",
    ]
    cli.ok("exceptions", "note", n, "--by", "frank", "--note", "asked NetSuite support")
    cli.ok("exceptions", "resolve", n, "--by", "frank", "--note", "reposted by hand")
    assert item_state(cli.db, item)[:3] == ("resolved", "frank", "reposted by hand")
    assert [e[:2] for e in events(cli.db, item)] == [
        ("acknowledged", "fiona"), ("assigned", "fiona"), ("note", "frank"), ("resolved", "frank"),
    ]  # fmt: skip
    assert [a[:2] for a in audit(cli.db)] == [
        ("fiona", "exception.acknowledge"), ("fiona", "exception.assign"),
        ("frank", "exception.note"), ("frank", "exception.resolve"),
    ]  # fmt: skip
    shown = cli.ok("exceptions", "show", n).splitlines()
    assert shown[0] == (
        f"item {item}: posting_failures · stripe invoice in_1 · $10.00 · resolved · "
        "assigned to frank"
    )
    assert [line.split("  ", 2)[-1] for line in shown[1:]] == [
        "syncwatch found the problem",
        "fiona acknowledged it",
        "fiona assigned it to frank: “frank knows them”",
        "frank added a note: “asked NetSuite support”",
        "frank resolved it: “reposted by hand”",
    ]
    with cli.db.connection() as conn:
        outbox = conn.execute("SELECT kind, channel FROM notification_outbox").fetchall()
    assert outbox == [("dm", "@frank")]


def test_every_matching_item_at_once_with_one_note(cli: Cli) -> None:
    old = add_item(cli.db, "in_1", amount_minor=500_00, since=timedelta(days=3))
    older = add_item(cli.db, "in_2", amount_minor=250_00, since=timedelta(days=5))
    recent = add_item(cli.db, "in_3")
    payment = add_item(cli.db, "in_4", metric="payment_posting_failures",
                       flow="payment_billing_to_erp", since=timedelta(days=9))  # fmt: skip
    refusal = cli.refused("exceptions", "resolve", "--by", "fiona", "--note", "batch repost",
                          "--flow", "invoice_billing_to_erp", "--older-than", "2d")  # fmt: skip
    assert refusal == (
        "2 open items the filters match (worth $750.00): add --all-matching to resolve them "
        "all, or give one item's number (e.g. syncwatch exceptions resolve 12)"
    )
    done = cli.ok("exceptions", "resolve", "--by", "fiona", "--note", "batch repost",
                  "--flow", "invoice_billing_to_erp", "--older-than", "2d",
                  "--all-matching")  # fmt: skip
    assert done == "2 items resolved (worth $750.00).\n"
    for closed in (old, older):
        assert item_state(cli.db, closed)[:3] == ("resolved", None, "batch repost")
    for untouched in (recent, payment):
        assert item_state(cli.db, untouched) == ("open", None, None, None)
    last = audit(cli.db)[-1]
    assert last[:3] == ("fiona", "exception.resolve", None)
    assert last[3]["items"] == [old, older]
    assert last[3]["selection"]["flow"] == "invoice_billing_to_erp"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("ack", "{item}", "--by", "nobody"),
         "--by: there is no syncwatch user named 'nobody' acting: pick an existing user (an "
         "administrator adds users) (see `syncwatch users list`)"),
        (("ack", "{item}", "--by", "erin"),
         "--by: erin may not work on exception items: that takes the finance, revops, "
         "integration or admin role (ask an administrator to grant one)"),
        (("ack", "{item}"), "--by: name the syncwatch user who acts (e.g. syncwatch exceptions "
                            "ack 12 --by fiona)"),
        (("ack", "{account}", "--by", "fiona"),
         "exception item {account} (Account without customer) is not open to you (not yours to "
         "change): it belongs to another team's page"),
        (("ack", "999999", "--by", "fiona"),
         "there is no exception item 999999: check the number in the list of items"),
        (("resolve", "{item}", "--by", "fiona"), "say what was done in a note to resolve the item"),
        (("assign", "{item}", "--by", "fiona"),
         "--to: name the syncwatch user to assign to (e.g. --to frank)"),
        (("assign", "{item}", "--to", "rory", "--by", "fiona"),
         "rory may not work on these items (Invoice failed to post): that takes the finance role, "
         "or admin. Assign them to someone who holds it, or ask an administrator to grant it"),
        (("ack", "{item}", "--metric", "posting_failures", "--by", "fiona"),
         "give one item's number, or filters with --all-matching, not both"),
    ],
)  # fmt: skip
def test_a_refusal_names_the_problem_and_the_fix(
    cli: Cli, args: tuple[str, ...], message: str
) -> None:
    item = add_item(cli.db, "in_1")
    account = add_item(cli.db, "001A", metric="unmatched_accounts", system="salesforce")
    values = {"item": item, "account": account}
    got = cli.refused("exceptions", *(a.format(**values) for a in args))
    assert got == message.format(**values)
    assert item_state(cli.db, item) == ("open", None, None, None)


def test_the_real_command_refuses_in_one_line_with_exit_code_2(cli: Cli) -> None:
    item = add_item(cli.db, "in_1")
    done = subprocess.run(
        [sys.executable, "-m", "syncwatch", "--config", str(cli.config), "--now", NOW,
         "exceptions", "resolve", str(item), "--by", "fiona"],
        env={**os.environ, "DATABASE_URL": cli.db.url}, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == "error: say what was done in a note to resolve the item\n"


def test_the_assignee_gets_the_direct_message_in_slack(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    with cli.db.connection() as conn:
        conn.execute("UPDATE app_user SET email = %s WHERE name = 'frank'", (FRANK.email,))
    item = add_item(cli.db, "in_1")
    with running_slack(monkeypatch, users=(FRANK,)) as slack:
        cli.config.write_text(
            json.dumps({"timezone": "UTC", "dashboard_url": "https://sw.example.com",
                        "slack": slack.section}),
            encoding="utf-8",
        )  # fmt: skip
        cli.ok("exceptions", "assign", str(item), "--to", "frank", "--by", "fiona")
        cli.ok("notify", "deliver")
        [message] = slack.standin.messages(f"dm-{FRANK.id}")
    assert message["text"].startswith("fiona assigned you an exception item: Invoice failed")
    buttons = next(b for b in message["blocks"] if b["type"] == "actions")["elements"]
    assert buttons[0]["url"] == f"https://sw.example.com/?item={item}"
