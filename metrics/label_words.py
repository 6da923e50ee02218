"""A metric's (or an alert's) labels in people's words: ``Invoices → ERP · Stripe``.

Pages, Slack messages and the weekly report name what a figure is about with these; the CLI
and the CSV downloads keep the raw ``key=value`` labels, which is what a silence matches.
"""

from __future__ import annotations

from collections.abc import Mapping

from core.display import age_bucket_title, metric_title, system_title
from metrics.flows import flow_title

_UNSAID = frozenset({"quantile"})
"""Labels that say how a figure was measured, not what it is about."""


def label_words(labels: Mapping[str, object]) -> list[str]:
    """Each label in words, in key order: a flow's title, a system's proper name, an age
    group, a metric's title; any other label as ``key value``."""
    words = []
    for key, value in sorted(labels.items()):
        if key == "flow":
            words.append(flow_title(value))
        elif key in ("source", "system"):
            words.append(system_title(value))
        elif key == "age_bucket":
            words.append(age_bucket_title(value))
        elif key == "metric":
            words.append(metric_title(value))
        elif key not in _UNSAID:
            words.append(f"{key.replace('_', ' ')} {value}")
    return words


def labels_words(labels: object, everything: str = "all flows and systems") -> str:
    """The labels in words joined by ``·``; ``everything`` when there are none."""
    if not isinstance(labels, Mapping):
        return everything
    return " · ".join(label_words(labels)) or everything
