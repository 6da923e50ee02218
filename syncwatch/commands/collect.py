"""``syncwatch collect`` and ``syncwatch sources status``."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from collectors.base import Page
from collectors.health import read_health
from collectors.registry import build_connector
from collectors.runner import SourceOutcome, collect_source
from core.errors import SyncwatchError
from syncwatch.commands.common import context_of, err, labelled, out
from syncwatch.context import AppContext

sources_app = typer.Typer(help="Inspect the configured sources.", no_args_is_help=True)


class UnknownSourceError(SyncwatchError):
    """``--source`` names no configured source."""

    exit_code = 2


def _selected(context: AppContext, source: str | None) -> list[str]:
    settings = context.settings()
    enabled = [n for n, s in settings.sources.items() if s.enabled]
    if source is None:
        return enabled
    if source not in settings.sources:
        known = ", ".join(settings.sources) or "none"
        raise UnknownSourceError(f"--source: no source named {source!r} (configured: {known})")
    return [source]


def poll_once(context: AppContext, names: list[str]) -> list[SourceOutcome]:
    """Poll each named source once, showing progress; return every outcome."""
    settings = context.settings()
    db = context.database()
    outcomes: list[SourceOutcome] = []
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=None),
        TextColumn("{task.fields[records]:>9,} records"),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    ) as progress:
        for name in names:
            task = progress.add_task(name, total=None, records=0)

            def advance(source: str, stream: str, page: Page, task_id: TaskID = task) -> None:
                progress.update(
                    task_id,
                    description=f"{source}/{stream}",
                    advance=1,
                    records=progress.tasks[task_id].fields["records"] + page.size,
                )

            connector = build_connector(name, settings.sources[name], clock=context.clock)
            try:
                outcome = collect_source(db, connector, clock=context.clock, on_page=advance)
            finally:
                connector.close()
            progress.update(task, description=name, total=1, completed=1)
            outcomes.append(outcome)
    return outcomes


def report(outcomes: list[SourceOutcome]) -> None:
    """One line per stream, and the reason for every unhealthy source."""
    for outcome in outcomes:
        for s in outcome.streams:
            out.print(
                f"{outcome.source}/{s.stream}: {s.status} — {s.records:,} read, "
                f"{s.changed:,} changed, {s.quarantined:,} quarantined"
            )
        if not outcome.healthy:
            err.print(labelled(f"{outcome.source} unhealthy:", outcome.reason or "see its runs"))


def collect(
    ctx: typer.Context,
    source: Annotated[str | None, typer.Option(help="Only this source.")] = None,
    once: Annotated[bool, typer.Option("--once", help="Poll once and exit.")] = False,
) -> None:
    """Poll the sources (the first poll backfills history); repeat at each poll interval."""
    context = context_of(ctx)
    names = _selected(context, source)
    settings = context.settings()
    due = dict.fromkeys(names, 0.0)
    while True:
        now = time.monotonic()
        ready = [n for n in names if due[n] <= now]
        outcomes = poll_once(context, ready)
        report(outcomes)
        if once:
            if any(not o.healthy for o in outcomes):
                raise typer.Exit(1)
            return
        for name in ready:
            due[name] = now + settings.sources[name].poll_interval.total_seconds()
        time.sleep(max(0.5, min(due.values()) - time.monotonic()))


def _ago(now: datetime, instant: datetime | None) -> str:
    if instant is None:
        return "never"
    seconds = int((now - instant).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


@sources_app.command("status")
def sources_status(ctx: typer.Context) -> None:
    """A table of each source's health, freshness, last error and stored records."""
    context = context_of(ctx)
    settings = context.settings()
    db = context.database()
    now = context.clock.now()
    with db.connection() as conn:
        health = {h.source: h for h in read_health(conn)}
        counts = dict(
            conn.execute(
                "SELECT source, sum(records) FROM collector_run GROUP BY source"
            ).fetchall()
        )
    table = Table("source", "type", "health", "last success", "freshness", "records", "last error")
    for name, source in settings.sources.items():
        h = health.get(name)
        state = "never polled" if h is None else ("healthy" if h.healthy else "UNHEALTHY")
        table.add_row(
            name,
            source.type,
            state,
            h.last_success_at.isoformat(timespec="seconds") if h and h.last_success_at else "—",
            _ago(now, h.last_success_at if h else None),
            f"{int(counts.get(name) or 0):,}",
            (h.reason or "") if h else "",
        )
    out.print(table)
