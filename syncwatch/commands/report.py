"""``syncwatch report``: the weekly executive KPI summary, rendered or queued for Slack."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from alerts.report_html import to_html
from alerts.report_markdown import to_markdown
from alerts.weekly import build_weekly_report, store_report, to_json
from alerts.weekly_message import report_message, send_weekly_report
from syncwatch.commands.common import context_of, out

app = typer.Typer(help="The weekly KPI summary.", no_args_is_help=True)


class ReportFormat(StrEnum):
    """Output formats of ``report weekly``."""

    md = "md"
    html = "html"
    json = "json"


WeekOption = Annotated[
    str | None,
    typer.Option(help="ISO week such as 2026-W47 (default: the last complete week)."),
]


@app.command()
def weekly(
    ctx: typer.Context,
    week: WeekOption = None,
    fmt: Annotated[ReportFormat, typer.Option("--format", help="Output format.")] = (
        ReportFormat.md
    ),
) -> None:
    """Build the week's KPI summary as of --now, store it (replacing that week's) and print it."""
    context = context_of(ctx)
    settings = context.settings(required=False)
    with context.database().connection() as conn:
        report = build_weekly_report(conn, settings, week, context.clock.now())
        store_report(conn, report)
    if fmt is ReportFormat.json:
        sys.stdout.write(to_json(report))
        return
    message = report_message(report, settings)
    sys.stdout.write(to_html(message) if fmt is ReportFormat.html else to_markdown(message))


@app.command()
def send(ctx: typer.Context, week: WeekOption = None) -> None:
    """Build and store the summary and queue it for the executive channel, once per week."""
    context = context_of(ctx)
    settings = context.settings(required=False)
    report = send_weekly_report(context.database(), settings, context.clock.now(), week)
    out.print(
        f"queued the {report.week} KPI summary for {settings.slack.executive_channel} "
        "(delivered by `syncwatch notify deliver`)"
    )
