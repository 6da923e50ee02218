"""Incidents now: every firing or stale alert in a line of words, linked to its alert."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from alerts.defaults import effective_rules
from app.queries import integration
from app.queries.core import Window
from app.runtime import runtime
from app.text import plain
from app.views import Reading, missing
from core.config import Settings
from core.display import ago, instant, metric_title, metric_value
from core.roles import Identity
from metrics.label_words import label_words

ALERTS_PAGE: Final = "app_pages/integration_alerts.py"
INCIDENT_STATES: Final = ("firing", "stale")
SHOWN: Final = 6
_SEVERITY: Final = {"critical": ":red[critical]", "warning": ":orange[warning]", "info": "info"}


def incidents_now(identity: Identity, window: Window, reading: Reading) -> None:
    """The open incidents, most urgent first, each opening its alert; or that there is none."""
    st.subheader("Incidents now")
    alerts = integration.alerts(identity, window)
    open_ = alerts[alerts["state"].isin(INCIDENT_STATES)] if len(alerts) else alerts
    if len(open_) == 0:
        st.success("No open incidents: no alert is firing or waiting for fresh data.",
                   icon=":material/check_circle:")  # fmt: skip
        return
    titles = rule_titles(runtime().settings)
    for row in open_.head(SHOWN).to_dict("records"):
        st.page_link(
            ALERTS_PAGE, label=incident_line(row, titles, reading), icon=_icon(row),
            help=incident_help(row, reading), query_params={"alert": str(row["id"])},
        )  # fmt: skip
    if len(open_) > SHOWN:
        more = len(open_) - SHOWN
        st.page_link(ALERTS_PAGE, label=f"{more} more open incident{'s' * (more != 1)}",
                     icon=":material/more_horiz:")  # fmt: skip


def rule_titles(settings: Settings) -> dict[str, str]:
    """Each rule's headline in words (a rule without a title says its metric's name)."""
    return {r.name: r.title or metric_title(r.metric) for r in effective_rules(settings)}


def incident_line(row: dict[str, Any], titles: dict[str, str], reading: Reading) -> str:
    """One incident as a line of Markdown: what, where, how bad, since when, who is on it."""
    title = titles.get(str(row["rule"]), f"Alert rule {row['rule']}")
    parts = [f"**{plain(title)}**"]
    parts += [plain(s) for s in label_words(row["labels"]) if s not in title]
    parts.append(_SEVERITY.get(str(row["severity"]), plain(row["severity"])))
    # A yes/no measurement (a collector's health) says nothing more than the title does.
    if not missing(row["value"]) and row["unit"] != "bool":
        labels = {str(k): str(v) for k, v in row["labels"].items()}
        parts.append(plain(f"now {metric_value(float(row['value']), row['unit'] or '', labels)}"))
    state = "firing" if row["state"] == "firing" else "no fresh data"
    since = _since(row)
    # Alerts are evaluated on the wall clock, after the compute the page is as of: an instant
    # past that compute reads "just now", never as a time to come.
    parts.append(
        plain(state if since is None else f"{state} since {ago(since, max(since, reading.now))}")
    )
    by, at = row["acknowledged_by"], _instant(row["acknowledged_at"])
    if missing(by):
        parts.append("not acknowledged")
    else:
        when = "" if at is None else f" {ago(at, max(at, reading.now))}"
        parts.append(plain(f"acknowledged by {by}{when}"))
    if not missing(row.get("assigned_to")):
        parts.append(plain(f"assigned to {row['assigned_to']}"))
    return " · ".join(parts)


def incident_help(row: dict[str, Any], reading: Reading) -> str:
    """The exact instants behind the line's "ago", and what the link does."""
    facts = [f"Alert #{row['id']}"]
    since = _since(row)
    if since is not None:
        facts.append(f"since {instant(since, reading.zone)}")
    at = _instant(row["acknowledged_at"])
    if not missing(row["acknowledged_by"]) and at is not None:
        facts.append(f"acknowledged {instant(at, reading.zone)}")
    if row["state"] == "stale":
        facts.append("held, neither firing nor resolved, until its data is fresh again")
    return plain(", ".join(facts) + ". Opens the alert, to acknowledge it or see its history.")


def _since(row: dict[str, Any]) -> datetime | None:
    return _instant(row["firing_since"]) or _instant(row["active_since"])


def _icon(row: dict[str, Any]) -> str:
    if row["state"] == "stale":
        return ":material/cloud_off:"
    if not missing(row["acknowledged_by"]):
        return ":material/visibility:"
    return ":material/notifications_active:"


def _instant(value: object) -> datetime | None:
    if missing(value):
        return None
    stamp = pd.Timestamp(value)
    return None if pd.isna(stamp) else stamp.to_pydatetime()
