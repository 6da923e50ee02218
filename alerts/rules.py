"""Alert rule models: which metric, which labels, what threshold, for how long, sent where."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field

from syncwatch.config.base import ConfigModel
from syncwatch.durations import Duration, PositiveDuration

Comparison = Literal[">", ">=", "<", "<=", "==", "!="]
Severity = Literal["critical", "warning", "info"]


class AlertRule(ConfigModel):
    """One SLA rule evaluated against the latest metric values."""

    name: str = Field(pattern=r"^[a-z0-9_.-]+$", description="unique rule name")
    metric: str = Field(description="metric name, e.g. sla_breaches")
    labels: dict[str, str] = Field(default_factory=dict, description="label selector (equality)")
    op: Comparison = ">"
    threshold: float
    for_: Duration = Field(timedelta(0), alias="for", description="breach must last this long")
    keep_firing_for: Duration = Field(timedelta(0), description="stay firing this long after")
    severity: Severity = "warning"
    route: str = Field(description="Slack channel")
    repeat_interval: PositiveDuration = timedelta(hours=4)
    owner: Literal["finance", "revops", "integration"] = "integration"
    runbook_url: str | None = None
    summary: str | None = None


class AlertSettings(ConfigModel):
    """The rule set; ``defaults`` adds the built-in rules for every default flow and metric."""

    defaults: bool = True
    rules: list[AlertRule] = Field(default_factory=list)
