"""``syncwatch exceptions``: the open items, and owning them: acknowledge, assign, note, resolve.

Each action names one item by its number, or every open item matching the filters with
``--all-matching``; it acts as the syncwatch user ``--by`` names, on the items their roles may
work on, in one transaction with one note, audited. An assignee hears of it in Slack.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated, Any

import psycopg
import typer
from rich.table import Table

from alerts.assignment_notice import notify_assignee
from core.config.flows import FLOW_NAMES
from core.display import instant, money, money_list
from core.sqlfiles import names
from metrics import exception_actions
from metrics.exception_actions import ExceptionActionError
from metrics.exception_events import COMPUTE_ACTOR, event_words, timeline
from metrics.exception_outcome import Action, money_of
from metrics.exception_selection import ItemFilter, select_items
from metrics.exception_teams import workable_metrics
from metrics.results import exceptions_document
from syncwatch.commands.common import context_of, duration_option, out
from syncwatch.commands.metrics import JsonOption, one_of

app = typer.Typer(
    help="The open exception items (the records behind the numbers), and owning them: "
    "ack, assign, unassign, note, resolve, show.",
    invoke_without_command=True,
)

_METRICS = names("exceptions")
_SYSTEMS = ("salesforce", "stripe", "netsuite", "zendesk")
_TEAMS = ("finance", "revops", "integration")

ItemArg = Annotated[
    int | None,
    typer.Argument(metavar="ID", help="The item's number (see `syncwatch exceptions`).",
                   show_default=False),
]  # fmt: skip
ByOption = Annotated[str, typer.Option("--by", help="The syncwatch user who acts.")]
NoteOption = Annotated[str | None, typer.Option("--note", help="One note for every item.")]
MetricOption = Annotated[
    str | None,
    typer.Option(help=f"Only this metric: {', '.join(_METRICS)}.", callback=one_of(_METRICS)),
]
FlowOption = Annotated[
    str | None,
    typer.Option(help=f"Only this flow: {', '.join(FLOW_NAMES)}.", callback=one_of(FLOW_NAMES)),
]
SystemOption = Annotated[
    str | None,
    typer.Option(help=f"Only records of this system: {', '.join(_SYSTEMS)}.",
                 callback=one_of(_SYSTEMS)),
]  # fmt: skip
OwnerOption = Annotated[
    str | None,
    typer.Option(help=f"Only items this team owns: {', '.join(_TEAMS)}.", callback=one_of(_TEAMS)),
]
AssigneeOption = Annotated[
    str | None, typer.Option("--assignee", help="Only items assigned to this user.")
]
UnassignedOption = Annotated[
    bool, typer.Option("--unassigned", help="Only items assigned to nobody.")
]
OlderOption = Annotated[
    timedelta | None, duration_option("Only items open at least this long, e.g. 2h, 3d.")
]
AllOption = Annotated[
    bool,
    typer.Option("--all-matching", help="Act on every open item the filters match (bulk)."),
]


@app.callback()
def listing(
    ctx: typer.Context,
    as_json: JsonOption = False,
    metric: MetricOption = None,
    flow: FlowOption = None,
) -> None:
    """The open exception items: the records behind the numbers, largest amounts first."""
    if ctx.invoked_subcommand is not None:
        if as_json or metric or flow:
            raise typer.BadParameter(
                f"put the filters after the action: syncwatch exceptions "
                f"{ctx.invoked_subcommand} --metric … (see its --help)"
            )
        return
    context = context_of(ctx)
    with context.database().connection() as conn:
        if as_json:
            print(json.dumps(exceptions_document(conn, metric=metric, flow=flow), indent=2))
            return
        found = select_items(conn, ItemFilter(metric=metric, flow=flow))
    zone = context.settings(required=False).zone
    table = Table(
        "id", "metric", "record", "amount", "status", "assignee", "since",
        title="open exception items",
    )  # fmt: skip
    for item in sorted(found, key=lambda i: (i.metric, -abs(i.amount_minor or 0), i.id)):
        table.add_row(
            str(item.id), item.metric, f"{item.system} {item.object_type} {item.external_id}",
            money(item.amount_minor, item.currency), item.status, item.assignee or "",
            instant(item.since, zone),
        )  # fmt: skip
    out.print(table)


@app.command()
def ack(
    ctx: typer.Context,
    item: ItemArg = None,
    by: ByOption = "",
    note: NoteOption = None,
    metric: MetricOption = None,
    flow: FlowOption = None,
    system: SystemOption = None,
    owner: OwnerOption = None,
    assignee: AssigneeOption = None,
    unassigned: UnassignedOption = False,
    older_than: OlderOption = None,
    all_matching: AllOption = False,
) -> None:
    """Acknowledge an item (or every matching one): someone is looking at it."""
    filters = _filters(metric, flow, system, owner, assignee, unassigned, older_than)
    _run(ctx, "acknowledge", item, filters, all_matching, by=by, note=note)


@app.command()
def assign(
    ctx: typer.Context,
    item: ItemArg = None,
    to: Annotated[str, typer.Option("--to", help="The syncwatch user to give it to.")] = "",
    by: ByOption = "",
    note: NoteOption = None,
    metric: MetricOption = None,
    flow: FlowOption = None,
    system: SystemOption = None,
    owner: OwnerOption = None,
    assignee: AssigneeOption = None,
    unassigned: UnassignedOption = False,
    older_than: OlderOption = None,
    all_matching: AllOption = False,
) -> None:
    """Assign an item (or every matching one) to an enabled user who may work on it; they are
    told by Slack direct message."""
    filters = _filters(metric, flow, system, owner, assignee, unassigned, older_than)
    _run(ctx, "assign", item, filters, all_matching, by=by, note=note, to=to)


@app.command()
def unassign(
    ctx: typer.Context,
    item: ItemArg = None,
    by: ByOption = "",
    note: NoteOption = None,
    metric: MetricOption = None,
    flow: FlowOption = None,
    system: SystemOption = None,
    owner: OwnerOption = None,
    assignee: AssigneeOption = None,
    older_than: OlderOption = None,
    all_matching: AllOption = False,
) -> None:
    """Take an item (or every matching one) off its assignee."""
    filters = _filters(metric, flow, system, owner, assignee, False, older_than)
    _run(ctx, "unassign", item, filters, all_matching, by=by, note=note)


@app.command("note")
def add_note(
    ctx: typer.Context,
    item: ItemArg = None,
    by: ByOption = "",
    note: NoteOption = None,
    metric: MetricOption = None,
    flow: FlowOption = None,
    system: SystemOption = None,
    owner: OwnerOption = None,
    assignee: AssigneeOption = None,
    unassigned: UnassignedOption = False,
    older_than: OlderOption = None,
    all_matching: AllOption = False,
) -> None:
    """Add a note to an item's timeline (or to every matching open item)."""
    filters = _filters(metric, flow, system, owner, assignee, unassigned, older_than)
    _run(ctx, "note", item, filters, all_matching, by=by, note=note)


@app.command()
def resolve(
    ctx: typer.Context,
    item: ItemArg = None,
    by: ByOption = "",
    note: NoteOption = None,
    metric: MetricOption = None,
    flow: FlowOption = None,
    system: SystemOption = None,
    owner: OwnerOption = None,
    assignee: AssigneeOption = None,
    unassigned: UnassignedOption = False,
    older_than: OlderOption = None,
    all_matching: AllOption = False,
) -> None:
    """Resolve an item (or every matching one) with a note saying what was done. If the next
    compute still finds the problem, it reopens the item."""
    filters = _filters(metric, flow, system, owner, assignee, unassigned, older_than)
    _run(ctx, "resolve", item, filters, all_matching, by=by, note=note)


@app.command()
def show(
    ctx: typer.Context,
    item: Annotated[int, typer.Argument(metavar="ID", help="The item's number.")],
) -> None:
    """One item and its timeline: who did what, and when."""
    context = context_of(ctx)
    zone = context.settings(required=False).zone
    with context.database().connection() as conn:
        found = select_items(conn, ItemFilter(ids=(item,), include_resolved=True))
        if not found:
            raise ExceptionActionError(
                f"there is no exception item {item} (see `syncwatch exceptions` for the numbers)"
            )
        events = timeline(conn, item)
    shown = found[0]
    out.print(
        f"item {shown.id}: {shown.metric} · {shown.system} {shown.object_type} "
        f"{shown.external_id} · {money(shown.amount_minor, shown.currency)} · {shown.status}"
        + (f" · assigned to {shown.assignee}" if shown.assignee else "")
    )
    out.print(f"  {instant(shown.first_seen, zone)}  {COMPUTE_ACTOR} found the problem")
    for e in events:
        out.print(f"  {instant(e.at, zone)}  {event_words(e.kind, e.actor, e.assignee, e.note)}")


def _filters(
    metric: str | None,
    flow: str | None,
    system: str | None,
    owner: str | None,
    assignee: str | None,
    unassigned: bool,
    older_than: timedelta | None,
) -> dict[str, Any]:
    """The filter options that were given."""
    given = {
        "metric": metric, "flow": flow, "system": system, "owner": owner,
        "assignee": assignee, "unassigned": unassigned, "older_than": older_than,
    }  # fmt: skip
    return {k: v for k, v in given.items() if v not in (None, False)}


def _run(
    ctx: typer.Context,
    action: Action,
    item: int | None,
    filters: dict[str, Any],
    all_matching: bool,
    *,
    by: str,
    note: str | None,
    to: str = "",
) -> None:
    """Act on one item or on the matching selection as ``--by``, and say what happened."""
    verb = "ack" if action == "acknowledge" else action
    if not by.strip():
        raise ExceptionActionError(
            f"--by: name the syncwatch user who acts (e.g. syncwatch exceptions {verb} 12 "
            "--by fiona)"
        )
    if action == "assign" and not to.strip():
        raise ExceptionActionError("--to: name the syncwatch user to assign to (e.g. --to frank)")
    if item is not None and (filters or all_matching):
        raise ExceptionActionError(
            "give one item's number, or filters with --all-matching, not both"
        )
    context = context_of(ctx)
    settings = context.settings(required=False)
    people = exception_actions.configured_people(settings)
    now = context.clock.now()
    with context.database().connection() as conn, conn.transaction():
        scope = _scope(conn, by, people)
        if item is not None:
            outcome = exception_actions.act_on_item(
                conn, action, item, actor=by, at=now, metrics=scope, note=note, assignee=to,
                people=people,
            )  # fmt: skip
        else:
            selection = _selection(filters, scope, now)
            if not all_matching:
                _refuse_without_all_matching(conn, selection, verb, filters)
            outcome = exception_actions.act(
                conn, action, selection, actor=by, at=now, note=note, assignee=to, people=people
            )
        enqueued = notify_assignee(conn, settings, outcome)
    out.print(outcome.message)
    if enqueued is not None and enqueued.created:
        out.print(f"{outcome.assignee} is told by Slack direct message at the next delivery.")


def _scope(conn: psycopg.Connection[Any], by: str, people: dict[str, list[str]]) -> tuple[str, ...]:
    """The metrics whose items ``by`` may work on; refused when they may work on none."""
    try:
        person = exception_actions.enabled_user(conn, by, purpose="acting", people=people)
    except ExceptionActionError as exc:
        raise ExceptionActionError(f"--by: {exc} (see `syncwatch users list`)") from None
    scope = workable_metrics(person)
    if not scope:
        raise ExceptionActionError(
            f"--by: {by} may not work on exception items: that takes the finance, revops, "
            "integration or admin role (ask an administrator to grant one)"
        )
    return scope


def _selection(filters: dict[str, Any], scope: tuple[str, ...], now: datetime) -> ItemFilter:
    """The open items the filters select among those ``scope`` lets the person work on."""
    older = filters.get("older_than")
    return ItemFilter(
        scope=scope,
        metric=filters.get("metric"),
        flow=filters.get("flow"),
        system=filters.get("system"),
        owner=filters.get("owner"),
        assignee=filters.get("assignee"),
        unassigned=bool(filters.get("unassigned")),
        opened_before=now - older if older is not None else None,
    )


def _refuse_without_all_matching(
    conn: psycopg.Connection[Any], selection: ItemFilter, verb: str, filters: dict[str, Any]
) -> None:
    """Without one item's number, say how many items match and ask for --all-matching."""
    matching = select_items(conn, selection)
    amounts = money_of(matching)
    worth = f" (worth {money_list(amounts)})" if amounts else ""
    what = "the filters match" if filters else "are open to you"
    raise ExceptionActionError(
        f"{len(matching):,} open items {what}{worth}: add --all-matching to {verb} them all, "
        f"or give one item's number (e.g. syncwatch exceptions {verb} 12)"
    )
