"""SLA attainment against its target: the weekly figure the executive page leads with.

Each flow's target is the threshold of the SLA-attainment alert rule in force for it (a rule
naming the flow, else one for every flow; the built-in rules use ``alerts.defaults``'
``SLA_TARGET``), so the page and the alerts hold people to the same number. The headline is the
mean of the flows' weekly means, as the weekly report gives them flow by flow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from alerts.defaults import SLA_TARGET, effective_rules
from app.queries.core import Frame
from app.views import missing
from core.config import Settings

_BELOW: frozenset[str] = frozenset({"<", "<="})


@dataclass(frozen=True, slots=True)
class Attainment:
    """This week's and last week's mean attainment over the flows, against the target."""

    this_week: float | None
    last_week: float | None
    """The same flows' mean last week (those with a figure for both weeks)."""
    target: float
    """The flows' targets when they agree; otherwise the strictest of them."""
    flows: int
    on_target: int
    """Flows whose weekly mean reaches their own target."""


def targets(settings: Settings, flows: Iterable[str]) -> dict[str, float]:
    """Each flow's attainment target, from the alert rules in force."""
    general, specific = SLA_TARGET, {}
    for rule in effective_rules(settings):
        if rule.metric != "sla_attainment" or rule.op not in _BELOW:
            continue
        flow = rule.labels.get("flow")
        if flow is None:
            general = rule.threshold
        elif set(rule.labels) == {"flow"}:
            specific[flow] = rule.threshold
    return {flow: specific.get(flow, general) for flow in flows}


def headline(frame: Frame, goals: Mapping[str, float]) -> Attainment:
    """``frame`` (flow, this_week, last_week: executive.attainment) against ``goals``."""
    rows = list(zip(frame["flow"], frame["this_week"], frame["last_week"], strict=True))
    now = [(str(flow), float(value)) for flow, value, _ in rows if not missing(value)]
    # Last week's mean covers the same flows, so a flow new this week does not move it.
    before = [float(b) for _, value, b in rows if not missing(value) and not missing(b)]
    return Attainment(
        this_week=sum(v for _, v in now) / len(now) if now else None,
        last_week=sum(before) / len(before) if before else None,
        target=max(goals.values(), default=SLA_TARGET),
        flows=len(now),
        on_target=sum(1 for flow, value in now if value >= goals.get(flow, SLA_TARGET)),
    )
