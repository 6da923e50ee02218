"""``syncwatch report``: the weekly executive KPI summary, rendered or queued for Slack."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer

from alerts.report_html import to_html
from alerts.report_json import to_json
from alerts.report_markdown import to_markdown
from alerts.slack_report import render_report
from alerts.weekly import build_weekly_report, store_report
from alerts.weekly_message import report_message, send_weekly_report
from syncwatch.commands.common import context_of, out

app = typer.Typer(help="The weekly KPI summary.", no_args_is_help=True)


class ReportFormat(StrEnum):
    """Output formats of ``report weekly``."""

    slack = "slack"
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
    fmt: Annotated[
        ReportFormat,
        typer.Option(
            "--format",
            help="Markdown, a standalone HTML page, the JSON document, or the Slack message "
            "(Block Kit JSON, as `report send` queues it).",
        ),
    ] = ReportFormat.md,
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
    if fmt is ReportFormat.slack:
        payload = render_report(message).as_dict()
        sys.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    elif fmt is ReportFormat.html:
        sys.stdout.write(to_html(message))
    else:
        sys.stdout.write(to_markdown(message))


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
