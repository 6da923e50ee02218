"""``syncwatch alerts``: list alerts, evaluate the rules, and manage silences."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

import typer
from rich.table import Table

from alerts.engine import evaluate_alerts
from alerts.silences import SilenceError, create_silence, expire_silence, list_silences
from core.clock import format_instant
from syncwatch.commands.common import context_of, duration_option, out

app = typer.Typer(help="Alerts: their state, evaluation and silences.", no_args_is_help=True)

StateName = Literal["inactive", "pending", "firing", "resolved", "stale"]

_LIST = """
SELECT a.rule, a.labels, a.state, a.value, a.unit, a.stale_reason,
       (SELECT max(e.ts) FROM alert_event e WHERE e.alert_id = a.id) AS since
FROM alert a
WHERE %(state)s::text IS NULL OR a.state = %(state)s
ORDER BY CASE a.state WHEN 'firing' THEN 0 WHEN 'stale' THEN 1 WHEN 'pending' THEN 2
                      WHEN 'resolved' THEN 3 ELSE 4 END, a.rule, a.labels::text
"""


def _labels(labels: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(labels.items()))


@app.command("list")
def list_alerts(
    ctx: typer.Context,
    state: Annotated[StateName | None, typer.Option(help="Only alerts in this state.")] = None,
) -> None:
    """Every alert with its state, value and the time of its last transition."""
    context = context_of(ctx)
    with context.database().connection() as conn:
        rows = conn.execute(_LIST, {"state": state}).fetchall()
    table = Table("rule", "labels", "state", "value", "since", "why stale", title="alerts")
    for rule, labels, current, value, unit, reason, since in rows:
        shown = "" if value is None else f"{value:g} {unit or ''}".strip()
        table.add_row(
            rule, _labels(labels), current, shown, format_instant(since) if since else "",
            reason or "",
        )  # fmt: skip
    out.print(table)


@app.command()
def evaluate(ctx: typer.Context) -> None:
    """Evaluate every rule once as of --now (default: the wall clock) and enqueue messages."""
    context = context_of(ctx)
    report = evaluate_alerts(
        context.database(), context.settings(required=False), context.clock.now()
    )
    counts = ", ".join(f"{n} {s}" for s, n in sorted(report.states.items())) or "none"
    created = sum(1 for e in report.enqueued if e.created)
    out.print(
        f"evaluated alerts as of {format_instant(report.evaluated_at)}: {counts}; "
        f"{len(report.changes)} transitions; {created} notifications enqueued"
    )
    for change in report.changes:
        if change.from_state is not None:
            out.print(
                f"  {change.rule} {{{_labels(change.labels)}}}: "
                f"{change.from_state} → {change.to_state}"
                + (f" ({change.note})" if change.note else "")
            )


def _matchers(pairs: list[str]) -> dict[str, str]:
    matchers: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise SilenceError(f"--match: {pair!r} is not key=value (e.g. rule=posting-failures)")
        matchers[key.strip()] = value.strip()
    return matchers


@app.command()
def silence(
    ctx: typer.Context,
    match: Annotated[
        list[str], typer.Option("--match", help="key=value; 'rule' names the rule. Repeatable.")
    ],
    duration: Annotated[timedelta, duration_option("How long, e.g. 30m, 2h, 1d.")],
    reason: Annotated[str, typer.Option(help="Why the alerts are muted.")],
    by: Annotated[str, typer.Option("--by", help="Who mutes them.")],
) -> None:
    """Mute the alerts matching every --match from --now for --duration (state goes on)."""
    context = context_of(ctx)
    starts = context.clock.now()
    with context.database().connection() as conn:
        silence_id = create_silence(
            conn, matchers=_matchers(match), created_by=by, reason=reason, starts_at=starts,
            ends_at=starts + duration,
        )  # fmt: skip
    out.print(f"silence {silence_id}: {', '.join(match)} until {format_instant(starts + duration)}")


@app.command()
def silences(
    ctx: typer.Context,
    include_ended: Annotated[bool, typer.Option("--all", help="Include ended silences.")] = False,
) -> None:
    """Silences in force or still to come."""
    context = context_of(ctx)
    with context.database().connection() as conn:
        found = list_silences(conn, context.clock.now(), include_ended=include_ended)
    table = Table(
        "id", "matchers", "by", "reason", "starts", "ends", "expired by", title="silences"
    )
    for s in found:
        table.add_row(
            str(s.id), _labels(s.matchers), s.created_by, s.reason, format_instant(s.starts_at),
            format_instant(s.ends_at), s.expired_by or "",
        )  # fmt: skip
    out.print(table)


@app.command()
def expire(
    ctx: typer.Context,
    silence_id: Annotated[int, typer.Argument(metavar="ID", help="The silence to end.")],
    by: Annotated[str, typer.Option("--by", help="Who ends it.")],
) -> None:
    """End a silence now; notifications resume at the next evaluation."""
    context = context_of(ctx)
    with context.database().connection() as conn:
        expire_silence(conn, silence_id, actor=by, at=context.clock.now())
    out.print(f"silence {silence_id} expired by {by}")
