"""Platform-neutral notification messages; rendering to Slack Block Kit happens in one place.

The alert engine builds these and stores them (as JSON) in the delivery outbox; the Slack
renderer turns them into blocks. Nothing here knows about Slack.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


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


AlertState = Literal["firing", "updated", "resolved", "stale"]


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


class ReportMessage(_Message):
    """The weekly executive KPI summary."""

    kind: Literal["report"] = "report"
    title: str
    period: str
    headline: str
    sections: list[ReportSection]
    dashboard_url: str


Message = Annotated[AlertMessage | ThreadReply | ReportMessage, Field(discriminator="kind")]


class Envelope(_Message):
    """What the outbox stores: one message of any kind."""

    message: Message
