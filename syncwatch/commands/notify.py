"""``syncwatch notify``: run the Slack sender once and list what Slack refused for good."""

from __future__ import annotations

import json
import logging
from typing import Annotated

import typer
from rich.table import Table

from alerts.outbox import dead_notifications, deliver_due
from core.clock import format_instant
from core.logs import configure_logging
from syncwatch.commands.common import context_of, out

app = typer.Typer(help="Slack notification delivery.", no_args_is_help=True)


@app.command()
def deliver(ctx: typer.Context) -> None:
    """Deliver the due notifications once (logged as a dry run when no Slack token is set)."""
    if not logging.getLogger().handlers:
        # Dry-run messages and delivery problems are reported through the log.
        configure_logging()
    context = context_of(ctx)
    report = deliver_due(context.database(), context.settings(required=False), context.clock.now())
    retry = (
        f"; next attempt {format_instant(report.next_attempt_at)}" if report.next_attempt_at else ""
    )
    out.print(
        f"sent {report.sent}, dry run {report.dry_run}, retrying {report.retrying}, "
        f"dead {report.dead}{retry}"
    )


@app.command()
def dead(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the notifications Slack refused for good, with the reason."""
    context = context_of(ctx)
    with context.database().connection() as conn:
        rows = dead_notifications(conn)
    if as_json:
        document = [
            {
                "id": r.id, "kind": r.kind, "channel": r.channel,
                "idempotency_key": r.idempotency_key, "attempts": r.attempts,
                "last_error": r.last_error, "title": r.title,
                "created_at": format_instant(r.created_at),
            }
            for r in rows
        ]  # fmt: skip
        print(json.dumps(document, indent=2))
        return
    table = Table("id", "kind", "channel", "title", "attempts", "error", title="dead notifications")
    for r in rows:
        table.add_row(
            str(r.id), r.kind, r.channel, r.title or "", str(r.attempts), r.last_error or ""
        )
    out.print(table)
