"""``syncwatch alerts``: list alerts, evaluate the rules, acknowledge, and manage silences."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

import typer
from rich.table import Table

from alerts.acknowledgements import AckAction, AcknowledgementError, change_acknowledgement
from alerts.engine import evaluate_alerts
from alerts.freshness import ServiceClock
from alerts.silences import SilenceError, create_silence, expire_silence, list_silences
from core.clock import format_instant
from core.display import ago
from core.roles import Identity, valid_roles
from core.users import list_users
from syncwatch.commands.common import context_of, duration_option, out
from syncwatch.context import AppContext

app = typer.Typer(
    help="Alerts: their state, evaluation, acknowledgements and silences.", no_args_is_help=True
)

StateName = Literal["inactive", "pending", "firing", "resolved", "stale"]

# ``since`` is the last change of state (acknowledgements are events, not states); only an open
# incident's acknowledgement is shown, a closed one's is history.
_LIST = """
SELECT a.id, a.rule, a.labels, a.state, a.value, a.unit, a.stale_reason,
       (SELECT max(e.ts) FROM alert_event e WHERE e.alert_id = a.id
          AND e.to_state NOT IN ('acknowledged', 'unacknowledged')) AS since,
       CASE WHEN o.open THEN a.acknowledged_by END, CASE WHEN o.open THEN a.acknowledged_at END,
       a.flapping_since, a.flap_changes
FROM alert a
CROSS JOIN LATERAL (
    SELECT a.state = 'firing' OR (a.state = 'stale' AND a.firing_since IS NOT NULL) AS open
) o
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
    """Every alert with its id, state (and whether it flaps), value, last transition and who
    acknowledged it."""
    context = context_of(ctx)
    now = context.clock.now()
    with context.database().connection() as conn:
        rows = conn.execute(_LIST, {"state": state}).fetchall()
    table = Table(
        "id", "rule", "labels", "state", "value", "since", "acknowledged", "why stale",
        title="alerts",
    )  # fmt: skip
    for alert_id, rule, labels, current, value, unit, reason, since, by, acked_at, *flap in rows:
        shown = "" if value is None else f"{value:g} {unit or ''}".strip()
        acked = f"by {by}, {ago(acked_at, now)}" if by else ""
        flapping_since, changes = flap
        if flapping_since is not None:
            current += f", flapping since {format_instant(flapping_since)} ({changes} changes)"
        table.add_row(
            str(alert_id), rule, _labels(labels), current, shown,
            format_instant(since) if since else "", acked, reason or "",
        )  # fmt: skip
    out.print(table)


def _acknowledger(context: AppContext, name: str) -> Identity:
    """The syncwatch user ``name`` as an identity; refused when unknown or disabled."""
    with context.database().connection() as conn:
        found = next((u for u in list_users(conn) if u.name == name), None)
    if found is None:
        raise AcknowledgementError(
            f"--by: there is no syncwatch user named {name!r} (see `syncwatch users list`, "
            f"or add one with `syncwatch users add {name} --role integration`)"
        )
    if found.disabled:
        raise AcknowledgementError(
            f"--by: the user {name!r} is disabled (an administrator can enable it again)"
        )
    return Identity(name, valid_roles(found.roles))


def _change(ctx: typer.Context, alert_id: int, action: AckAction, by: str) -> None:
    context = context_of(ctx)
    identity = _acknowledger(context, by)
    with context.database().connection() as conn:
        outcome = change_acknowledgement(
            conn, context.settings(required=False), alert_id, action, identity=identity,
            at=context.clock.now(),
        )  # fmt: skip
    out.print(outcome.message)
    if any(e.kind == "update" and e.created for e in outcome.enqueued):
        out.print("Its Slack message will update at the next delivery.")


@app.command()
def ack(
    ctx: typer.Context,
    alert_id: Annotated[int, typer.Argument(metavar="ID", help="The alert (see `alerts list`).")],
    by: Annotated[str, typer.Option("--by", help="The syncwatch user who is on it.")],
) -> None:
    """Acknowledge a firing alert: someone is on it, so Slack stops repeating it."""
    _change(ctx, alert_id, "acknowledge", by)


@app.command()
def unack(
    ctx: typer.Context,
    alert_id: Annotated[int, typer.Argument(metavar="ID", help="The alert (see `alerts list`).")],
    by: Annotated[str, typer.Option("--by", help="The syncwatch user withdrawing it.")],
) -> None:
    """Withdraw an alert's acknowledgement: Slack repeats it again while it fires."""
    _change(ctx, alert_id, "unacknowledge", by)


@app.command()
def evaluate(ctx: typer.Context) -> None:
    """Evaluate every rule once as of --now (default: the wall clock) and enqueue messages."""
    context = context_of(ctx)
    report = evaluate_alerts(
        context.database(), context.settings(required=False), context.clock.now(),
        ServiceClock.of(context.clock),
    )  # fmt: skip
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
