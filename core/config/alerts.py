"""Alert rule models: which metric, which labels, what threshold, for how long, sent where."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from core.config.base import ConfigModel
from core.config.routes import Route, Severity, reachable
from core.durations import Duration, PositiveDuration
from core.sqlfiles import names

Comparison = Literal[">", ">=", "<", "<=", "==", "!="]
Aggregate = Literal["sum", "max", "min"]

# Measured by the alert engine itself at evaluation time (see alerts/measurements.py), so they
# stay current when the metrics compute has stopped.
LIVE_METRICS = ("collector_healthy", "collector_freshness_seconds", "metric_evaluation_age_seconds")


def known_metrics() -> tuple[str, ...]:
    """Every metric a rule may name: the computed ones and the live ones."""
    return tuple(sorted({*names("metrics"), *LIVE_METRICS}))


def compare(op: Comparison, value: float, threshold: float) -> bool:
    """Whether ``value op threshold`` holds."""
    match op:
        case ">":
            return value > threshold
        case ">=":
            return value >= threshold
        case "<":
            return value < threshold
        case "<=":
            return value <= threshold
        case "==":
            return value == threshold
        case "!=":
            return value != threshold


class AlertRule(ConfigModel):
    """One SLA rule evaluated against the latest metric values."""

    name: str = Field(pattern=r"^[a-z0-9_.-]+$", description="unique rule name")
    metric: str = Field(description="metric name, e.g. sla_breaches")
    labels: dict[str, str] = Field(default_factory=dict, description="label selector (equality)")
    aggregate: Aggregate | None = Field(
        None, description="combine the selected series, e.g. sum posting_failures over age buckets"
    )
    by: list[str] = Field(default_factory=list, description="labels kept when aggregating")
    op: Comparison = ">"
    threshold: float
    resolve_threshold: float | None = Field(
        None, description="value must pass this to resolve (hysteresis); default: the threshold"
    )
    for_: Duration = Field(timedelta(0), alias="for", description="breach must last this long")
    keep_firing_for: Duration = Field(timedelta(0), description="stay firing this long after")
    stale_after: PositiveDuration | None = Field(
        None, description="data older than this is stale (default: alerts.stale_after)"
    )
    group_by: list[str] = Field(
        default_factory=list, description="labels that split the rule into separate messages"
    )
    severity: Severity = "warning"
    route: str | None = Field(
        None, description="Slack channel of this rule alone (default: from alerts.routes)"
    )
    repeat_interval: PositiveDuration = timedelta(hours=4)
    owner: Literal["finance", "revops", "integration"] = "integration"
    runbook_url: str | None = None
    title: str | None = Field(None, description="headline of the message")
    summary: str | None = None

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, value: str) -> str:
        known = known_metrics()
        if value not in known:
            raise ValueError(f"unknown metric {value!r} (expected one of {', '.join(known)})")
        return value

    @field_validator("by")
    @classmethod
    def _by_needs_aggregate(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if value and info.data.get("aggregate") is None:
            raise ValueError("only meaningful with aggregate")
        return value

    @field_validator("resolve_threshold")
    @classmethod
    def _resolve_side(cls, value: float | None, info: ValidationInfo) -> float | None:
        op, threshold = info.data.get("op"), info.data.get("threshold")
        if value is None or op is None or threshold is None:
            return value
        if op in ("==", "!="):
            raise ValueError(f"not supported with op {op!r}")
        if op in (">", ">=") and value > threshold:
            raise ValueError(f"must be at most the threshold {threshold:g} for op {op!r}")
        if op in ("<", "<=") and value < threshold:
            raise ValueError(f"must be at least the threshold {threshold:g} for op {op!r}")
        return value

    @model_validator(mode="after")
    def _group_by_known(self) -> AlertRule:
        kept = set(self.by) | set(self.labels) if self.aggregate else None
        if kept is not None and not set(self.group_by) <= kept:
            raise ValueError("group_by must name labels kept by the aggregation (by or labels)")
        return self

    def breaching(self, value: float) -> bool:
        """Whether ``value`` breaches the rule."""
        return compare(self.op, value, self.threshold)

    def recovered(self, value: float) -> bool:
        """Whether ``value`` is far enough on the good side to let a firing alert resolve."""
        if self.resolve_threshold is None:
            return not self.breaching(value)
        return not compare(self.op, value, self.resolve_threshold)

    def describe(self) -> str:
        """The condition as text, e.g. ``sla_breaches{flow=x} > 0``."""
        selector = ",".join(f"{k}={v}" for k, v in sorted(self.labels.items()))
        series = f"{self.metric}{{{selector}}}" if selector else self.metric
        metric = f"{self.aggregate}({series})" if self.aggregate else series
        return f"{metric} {self.op} {self.threshold:g}"


class FlappingSettings(ConfigModel):
    """When an alert that keeps changing state is held as flapping (notified once)."""

    changes: int = Field(
        4, ge=1, description="more state changes than this within the window is flapping"
    )
    window: PositiveDuration = Field(
        timedelta(hours=1), description="the window, and how long it must then stay stable"
    )


class FreshnessSettings(ConfigModel):
    """How long a source may go without a successful poll, from its own cadence.

    The limit is ``(1 + missed_polls) × poll_interval`` (in the clock's time) plus the 95th
    percentile of its recent collect durations plus ``margin``.
    """

    runs: int = Field(
        20, ge=1, le=1000, description="recent runs per stream whose collect duration counts"
    )
    missed_polls: int = Field(
        1, ge=0, le=100, description="polls a source may miss (late or skipped) before it is stale"
    )
    margin: Duration = Field(timedelta(minutes=5), description="on top, for scheduling delays")


class AlertSettings(ConfigModel):
    """The rule set; ``defaults`` adds the built-in rules for every default flow and metric."""

    defaults: bool = True
    rules: list[AlertRule] = Field(default_factory=list)
    routes: list[Route] = Field(
        default_factory=list,
        description="where alerts go and when they keep quiet; the first matching route wins",
    )
    flapping: FlappingSettings | None = Field(
        default_factory=FlappingSettings, description="flap detection; null turns it off"
    )
    stale_after: PositiveDuration = Field(
        timedelta(minutes=15), description="metrics computed longer ago than this are stale"
    )
    freshness: FreshnessSettings = Field(default_factory=FreshnessSettings)
    source_stale_after: PositiveDuration | None = Field(
        None, description="one fixed limit for every source instead of its cadence's"
    )
    startup_grace: PositiveDuration | None = Field(
        None,
        description="longest wait for a source's first poll after start before its freshness "
        "is judged (default: the source's freshness limit)",
    )
    update_interval: PositiveDuration = Field(
        timedelta(minutes=15), description="least time between two updates of one message"
    )
    change_margin: float = Field(
        0.1, ge=0, description="relative value change that counts as a change worth an update"
    )

    @field_validator("routes")
    @classmethod
    def _routes_reachable(cls, value: list[Route]) -> list[Route]:
        return list(reachable(value))
