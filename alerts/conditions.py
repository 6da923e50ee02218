"""A rule's condition in people's words, for Slack messages and the reasons they give."""

from __future__ import annotations

from core.config.alerts import AlertRule
from core.display import metric_title, metric_value
from metrics.label_words import labels_words

_OP_WORDS = {
    ">": "above", ">=": "at or above", "<": "below", "<=": "at or below", "==": "at",
    "!=": "other than",
}  # fmt: skip


def condition_words(rule: AlertRule, unit: str) -> str:
    """The rule's condition as people say it: ``p95 Sync lag (Invoices → ERP) above 1 h``
    (``rule.describe()`` is the same condition as the configuration writes it)."""
    quantile = rule.labels.get("quantile")
    what = f"{quantile} {metric_title(rule.metric)}" if quantile else metric_title(rule.metric)
    where = labels_words(rule.labels, "")
    subject = f"{what} ({where})" if where else what
    if rule.op == ">" and rule.threshold == 0:
        return subject  # any at all: "Invoice failed to post: now 27"
    threshold = metric_value(rule.threshold, unit, rule.labels)
    return f"{subject} {_OP_WORDS[rule.op]} {threshold}"


def measured_words(rule: AlertRule, labels: dict[str, str]) -> str:
    """What a rule measures for one label set: ``Sync lag (Invoices → ERP)``."""
    where = labels_words(labels, "")
    return f"{metric_title(rule.metric)} ({where})" if where else metric_title(rule.metric)
