"""Alerts and silences as people read them: labels in words, local times, values in units.

The alerts page shows these views; its CSV downloads keep the query's machine-readable frames.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

import pandas as pd  # type: ignore[import-untyped]

from app.queries.core import Frame
from app.views import Config, Reading, missing, text_column, when, words
from core.display import MISSING, metric_value
from metrics.label_words import labels_words

STATE_TITLES: Final = {"firing": "Firing", "pending": "Pending", "stale": "No fresh data"}


def state_words(state: object, flapping_since: object) -> str:
    """An alert's state in words; a flapping one's is that (Slack waits for it to settle)."""
    return STATE_TITLES.get(str(state), words(state)) if missing(flapping_since) else "Flapping"


def _flapping(frame: Frame) -> list[object]:
    """Since when each alert flaps (a frame without the column: none flaps)."""
    return list(frame["flapping_since"]) if "flapping_since" in frame else [None] * len(frame)


def value_words(value: object, unit: object, labels: object) -> str:
    """An alert's measured value in its unit's words (an em dash without one)."""
    if missing(value):
        return MISSING
    named = {str(k): str(v) for k, v in labels.items()} if isinstance(labels, Mapping) else None
    return metric_value(float(str(value)), "" if missing(unit) else str(unit), named)


def alerts_view(frame: Frame, titles: Mapping[str, str], reading: Reading) -> tuple[Frame, Config]:
    """Every firing, pending and stale alert: what, where, how bad, since when, who is on it
    (the CSV download adds when each was last evaluated)."""
    view = pd.DataFrame(
        {
            "alert": [f"#{i}" for i in frame["id"]],
            "what": [titles.get(str(r), str(r)) for r in frame["rule"]],
            "where": [labels_words(labels) for labels in frame["labels"]],
            "state": [
                state_words(s, flapping)
                for s, flapping in zip(frame["state"], _flapping(frame), strict=True)
            ],
            "severity": [words(s).capitalize() for s in frame["severity"]],
            "value": [
                value_words(v, u, labels)
                for v, u, labels in zip(frame["value"], frame["unit"], frame["labels"], strict=True)
            ],
            "since": [when(s, reading) for s in frame["active_since"]],
            "on_it": [words(a) for a in frame["acknowledged_by"]],
            "assignee": [words(a) for a in frame["assigned_to"]],
        }
    )
    config: Config = {
        "alert": text_column("Alert", width="small"),
        "what": text_column("What breached", width="medium"),
        "where": text_column("Where", "The flow, system or currency the alert is about."),
        "state": text_column("State", width="small"),
        "severity": text_column("Severity", width="small"),
        "value": text_column("Now", "The latest measured value.", width="small"),
        "since": text_column("Breaching since", "In the reporting time zone."),
        "on_it": text_column("On it", "Who acknowledged the alert.", width="small"),
        "assignee": text_column("Assigned to", "Who took the alert.", width="small"),
    }
    return view, config


def silences_view(frame: Frame, reading: Reading) -> tuple[Frame, Config]:
    """Silences in force: what each mutes, why, who set it, and until when."""
    view = pd.DataFrame(
        {
            "silence": [f"#{i}" for i in frame["id"]],
            "mutes": [labels_words(m) for m in frame["matchers"]],
            "reason": [words(r) for r in frame["reason"]],
            "by": [words(c) for c in frame["created_by"]],
            "starts": [when(s, reading) for s in frame["starts_at"]],
            "ends": [when(e, reading) for e in frame["ends_at"]],
        }
    )
    config: Config = {
        "silence": text_column("Silence", width="small"),
        "mutes": text_column("Mutes", "The alerts whose rule and labels match."),
        "reason": text_column("Reason", width="medium"),
        "by": text_column("Set by", width="small"),
        "starts": text_column("From"),
        "ends": text_column("Until"),
    }
    return view, config
