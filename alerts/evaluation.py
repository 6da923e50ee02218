"""Evaluate: turn measurements into one observation per rule and label set, in pure Python.

A missing or untrustworthy measurement is an observation with a ``stale_reason``, never an
exception: the lifecycle holds such alerts as stale instead of resolving them. A source's
freshness is not judged while the service waits for its first poll (see alerts.freshness).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from alerts.conditions import measured_words
from alerts.dependencies import dependent_sources, staleness
from alerts.freshness import FRESHNESS_METRIC, waiting_for_first_poll
from alerts.measurements import Measurements
from core.config import Settings
from core.config.alerts import LIVE_METRICS, AlertRule
from metrics.values import MetricValue

_AGGREGATES: dict[str, Callable[[list[float]], float]] = {"sum": sum, "max": max, "min": min}


@dataclass(frozen=True, slots=True)
class Observation:
    """What one evaluation saw for one rule and label set."""

    rule: AlertRule
    labels: dict[str, str]
    value: float | None
    unit: str
    stale_reason: str | None = None
    missing: bool = False

    @property
    def fingerprint(self) -> str:
        """The alert's identity: the rule and its labels."""
        return fingerprint(self.rule.name, self.labels)

    @property
    def group_key(self) -> str:
        """The message this alert belongs to: the rule and its ``group_by`` labels."""
        return group_key(self.rule, self.labels)


def fingerprint(rule: str, labels: dict[str, str]) -> str:
    """A stable identity for a rule and a label set."""
    text = rule + "\n" + json.dumps(labels, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def group_key(rule: AlertRule, labels: dict[str, str]) -> str:
    """The identity of the message an alert's line appears in."""
    return fingerprint(rule.name, {k: labels.get(k, "") for k in rule.group_by})


def _selected(
    rule: AlertRule, values: Iterable[MetricValue]
) -> list[tuple[dict[str, str], float, str]]:
    chosen = [
        s
        for s in values
        if s.name == rule.metric and all(s.labels.get(k) == v for k, v in rule.labels.items())
    ]
    if rule.aggregate is None:
        return [(s.labels, s.value, s.unit) for s in chosen]
    groups: dict[tuple[str, ...], list[MetricValue]] = {}
    for s in chosen:
        groups.setdefault(tuple(s.labels.get(k, "") for k in rule.by), []).append(s)
    combine = _AGGREGATES[rule.aggregate]
    return [
        ({**rule.labels, **dict(zip(rule.by, key, strict=True))},
         float(combine([s.value for s in members])), members[0].unit)
        for key, members in groups.items()
    ]  # fmt: skip


def _compute_staleness(rule: AlertRule, m: Measurements, settings: Settings) -> str | None:
    if rule.metric in LIVE_METRICS:
        return None
    limit = rule.stale_after or settings.alerts.stale_after
    if m.evaluated_at is None:
        return "metrics have never been computed"
    if m.now - m.evaluated_at > limit:
        return f"metrics were last computed at {m.evaluated_at.isoformat()} (older than {limit})"
    return None


def _source_staleness(
    rule: AlertRule, labels: dict[str, str], m: Measurements, settings: Settings
) -> str | None:
    if rule.metric == FRESHNESS_METRIC:
        return _first_poll(labels, m, settings)
    reasons = [
        reason
        for source in dependent_sources(settings, rule.metric, labels)
        if (reason := staleness(settings, m.sources.get(source), source, m.now, m.limits[source]))
        is not None
    ]
    return "; ".join(reasons) or None


def _first_poll(labels: dict[str, str], m: Measurements, settings: Settings) -> str | None:
    """Why a source's freshness is not judged yet (the service awaits its first poll)."""
    source = labels.get("source", "")
    if source not in m.limits:
        return None
    reason = waiting_for_first_poll(
        settings, m.service, m.sources.get(source), m.limits[source], m.now
    )
    return None if reason is None else f"source {source}: {reason}"


def observe(
    rules: list[AlertRule],
    m: Measurements,
    settings: Settings,
    known: dict[str, list[dict[str, str]]],
) -> list[Observation]:
    """One observation per measured series of every rule, plus one per ``known`` alert gone quiet.

    ``known`` maps a rule name to the label sets of its stored alerts.
    """
    observations: list[Observation] = []
    for rule in rules:
        stale = _compute_staleness(rule, m, settings)
        seen: set[str] = set()
        for labels, value, unit in _selected(rule, m.values):
            seen.add(fingerprint(rule.name, labels))
            reason = stale or _source_staleness(rule, labels, m, settings)
            observations.append(Observation(rule, labels, value, unit, reason))
        for labels in known.get(rule.name, []):
            if fingerprint(rule.name, labels) in seen:
                continue
            reason = (
                stale
                or _source_staleness(rule, labels, m, settings)
                or f"no value measured for {measured_words(rule, labels)}"
            )
            observations.append(Observation(rule, labels, None, "", reason, missing=True))
    return observations
