"""``syncwatch matches``: suggest customers for unlinked accounts, confirm or reject them."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.table import Table

from core.clock import format_instant
from metrics.matching import (
    SYSTEMS,
    confirm_match,
    refresh_suggestions,
    reject_match,
    suggestions,
)
from syncwatch.commands.common import context_of, out

app = typer.Typer(
    help="Match suggestions for CRM accounts with no ERP or billing customer.",
    no_args_is_help=True,
)

_SYSTEMS = ", ".join(SYSTEMS)
SystemOption = Annotated[str, typer.Option(help=f"The customer's system: {_SYSTEMS}.")]
ByOption = Annotated[str, typer.Option("--by", help="Who decides (written to the audit log).")]
AccountArgument = Annotated[str, typer.Argument(help="Salesforce Account Id.")]
CustomerArgument = Annotated[str, typer.Argument(help="Customer id in that system.")]


@app.command()
def refresh(
    ctx: typer.Context,
    system: Annotated[
        list[str] | None, typer.Option(help=f"Only these systems (default: {_SYSTEMS}).")
    ] = None,
    per_account: Annotated[int, typer.Option(min=1, help="Suggestions kept per account.")] = 3,
) -> None:
    """Recompute the suggestions of every unlinked account as of --now."""
    context = context_of(ctx)
    now = context.clock.now()
    with context.database().connection() as conn:
        count = refresh_suggestions(
            conn, now, systems=tuple(system or SYSTEMS), limit_per_account=per_account
        )
    out.print(f"stored {count} suggestions as of {format_instant(now)}")


@app.command("list")
def list_(
    ctx: typer.Context,
    system: Annotated[str | None, typer.Option(help=f"Only this system: {_SYSTEMS}.")] = None,
    account: Annotated[str | None, typer.Option(help="Only this Salesforce Account Id.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The stored suggestions, best first."""
    context = context_of(ctx)
    with context.database().connection() as conn:
        found = suggestions(conn, system=system, crm_account_id=account, limit=limit)
    if as_json:
        rows = [{**asdict(s), "computed_at": format_instant(s.computed_at)} for s in found]
        print(json.dumps(rows, indent=2))
        return
    table = Table("system", "account", "ARR (minor)", "customer", "score", "method", "reason")
    for s in found:
        arr = f"{s.arr_minor:,} {s.currency}" if s.arr_minor is not None else ""
        table.add_row(
            s.system,
            f"{s.account_name or ''} ({s.crm_account_id})",
            arr,
            f"{s.customer_name or ''} ({s.customer_id})",
            f"{s.score:.3f}",
            s.method,
            s.reason,
        )
    out.print(table)


@app.command()
def confirm(
    ctx: typer.Context,
    account_id: AccountArgument,
    customer_id: CustomerArgument,
    system: SystemOption,
    by: ByOption,
) -> None:
    """Link the customer to the account; every metric uses the link from the next compute."""
    context = context_of(ctx)
    with context.database().connection() as conn:
        link_id = confirm_match(
            conn, system=system, crm_account_id=account_id, customer_id=customer_id, actor=by,
            at=context.clock.now(),
        )  # fmt: skip
    out.print(f"confirmed {system} customer {customer_id} as account {account_id} (#{link_id})")


@app.command()
def reject(
    ctx: typer.Context,
    account_id: AccountArgument,
    customer_id: CustomerArgument,
    system: SystemOption,
    by: ByOption,
) -> None:
    """Record that the customer is not the account's, so it is never suggested again."""
    context = context_of(ctx)
    with context.database().connection() as conn:
        link_id = reject_match(
            conn, system=system, crm_account_id=account_id, customer_id=customer_id, actor=by,
            at=context.clock.now(),
        )  # fmt: skip
    out.print(f"rejected {system} customer {customer_id} for account {account_id} (#{link_id})")
