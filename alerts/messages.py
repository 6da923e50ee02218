"""Platform-neutral notification messages; rendering to Slack Block Kit happens in one place.

The alert engine builds these and stores them (as JSON) in the delivery outbox; the Slack
renderer turns them into blocks. Nothing here knows about Slack.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Money(_Message):
    """An amount in minor units of one currency (never summed across currencies)."""

    amount_minor: int
    currency: str


class RecordRef(_Message):
    """One record behind an alert, with its id in every system that holds it."""

    label: str = Field(description="short human name, e.g. 'Invoice INV-1042'")
    ids: dict[str, str] = Field(description="system -> id, e.g. {'stripe': 'in_…'}")
    amount: Money | None = None
    since: datetime | None = None
    url: str | None = Field(None, description="dashboard link to the record view")


class AlertLine(_Message):
    """One breaching label set of a rule (a flow, a system…)."""

    labels: dict[str, str]
    value: float
    threshold: float
    op: str
    unit: str
    money: list[Money] = Field(default_factory=list)
    records_affected: int = 0
    top_records: list[RecordRef] = Field(default_factory=list)
    acknowledged_by: str | None = Field(None, description="who acknowledged this alert")
    acknowledged_at: datetime | None = None
    alert_id: int | None = Field(None, description="the alert's id (the dashboard's deep link)")
    assigned_to: str | None = Field(None, description="who took this alert")


AlertState = Literal["firing", "updated", "resolved", "stale"]


class Activity(_Message):
    """What a person just did to an incident from its message, said under it."""

    action: Literal["acknowledged", "unacknowledged", "snoozed", "assigned"]
    by: str
    at: datetime
    until: datetime | None = Field(None, description="when a snooze ends")


class AlertMessage(_Message):
    """One incident of one rule: a line per breaching label set."""

    kind: Literal["alert"] = "alert"
    state: AlertState
    rule: str
    title: str
    severity: Literal["critical", "warning", "info"]
    summary: str
    lines: list[AlertLine]
    owner: str
    runbook_url: str | None = None
    dashboard_url: str
    alerts_url: str | None = Field(
        None, description="the dashboard's alerts page, filtered to the rule: acknowledge there"
    )
    started_at: datetime
    resolved_at: datetime | None = None
    group_key: str | None = Field(
        None,
        description="the incident's rule group; with it the message carries buttons that act "
        "on the incident (Acknowledge, Snooze, Assign)",
    )
    activity: Activity | None = None


class ThreadReply(_Message):
    """A short note in the thread of an incident's message (a change, a resolution)."""

    kind: Literal["reply"] = "reply"
    text: str


class ReportLine(_Message):
    """One row of a report section."""

    label: str
    value: str
    change: str | None = None


class ReportSection(_Message):
    """A titled block of report rows."""

    title: str
    lines: list[ReportLine]


class ReportFigure(_Message):
    """One cell of a report table: this week's figure, and last week's to compare with."""

    value: str
    previous: str | None = None


class ReportRow(_Message):
    """One row of a report table: what it is about, then a figure per column."""

    label: str
    figures: list[ReportFigure]


class ReportTable(_Message):
    """A titled grid of report figures, with a note on how to read it."""

    kind: Literal["table"] = "table"
    title: str
    columns: list[str] = Field(description="headers: the first over the row labels")
    rows: list[ReportRow]
    note: str | None = None

    @model_validator(mode="after")
    def _a_figure_per_column(self) -> ReportTable:
        if any(len(row.figures) != len(self.columns) - 1 for row in self.rows):
            raise ValueError("every row needs one figure per column after the labels")
        return self


class ReportMessage(_Message):
    """The weekly executive KPI summary."""

    kind: Literal["report"] = "report"
    title: str
    period: str
    headline: str
    sections: list[ReportSection | ReportTable]
    dashboard_url: str


class Notice(_Message):
    """A note to one person (a direct message): what happened, and where to look."""

    kind: Literal["notice"] = "notice"
    title: str
    text: str
    url: str | None = Field(None, description="where to act on it, e.g. the dashboard's item")
    url_label: str = "Open in syncwatch"


Message = Annotated[
    AlertMessage | ThreadReply | ReportMessage | Notice, Field(discriminator="kind")
]


class Envelope(_Message):
    """What the outbox stores: one message of any kind."""

    message: Message
