"""Integration: which alerts are firing, pending or stale, who is on them, what is silenced?"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from alerts.acknowledgements import AckAction
from alerts.defaults import effective_rules
from app import actions
from app.alert_tables import alerts_view, silences_view
from app.components import data_table, help_line
from app.filters import current_window, wall_clock
from app.queries import integration
from app.queries.core import Frame, Window
from app.runtime import runtime
from app.session import page_guard
from app.text import plain
from app.views import Reading, missing
from core.display import ago, instant, metric_value
from core.errors import SyncwatchError
from core.roles import Identity, NotAllowedError, may_acknowledge_alerts
from metrics.label_words import labels_words

DURATIONS = {"1 hour": 1, "4 hours": 4, "1 day": 24, "3 days": 72, "1 week": 168}
FLASH = "alerts.flash"


def _focus(alerts: Frame) -> tuple[Frame, str | None]:
    """The alerts a link asks for (``?alert=ID``, ``?rule=NAME``, as Slack sends), and which."""
    rule = st.query_params.get("rule", "").strip()
    alert = st.query_params.get("alert", "").strip()
    if not rule and not alert:
        return alerts, None
    shown = alerts
    if alert:
        shown = shown[shown["id"] == int(alert)] if alert.isdigit() else shown.iloc[0:0]
    if rule:
        shown = shown[shown["rule"] == rule]
    return shown, f"alert #{alert}" if alert else f"the alerts of the rule “{rule}”"


def _focus_banner(focus: str, found: int) -> None:
    """Say what the link narrowed the page to, with the way back to every alert."""
    with st.container(border=True):
        text, back = st.columns([4, 1], vertical_alignment="center")
        gone = "" if found else " It is not firing, pending or stale any more: nothing to do."
        text.markdown(f"Showing only {plain(focus)}, from the link you followed.{gone}")
        if back.button("Show all alerts", icon=":material/arrow_back:", key="alerts.all"):
            st.query_params.clear()
            st.rerun()


def _when(value: Any) -> datetime | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).to_pydatetime()


def _alert_card(
    identity: Identity, row: Any, titles: dict[str, str], zone: ZoneInfo, now: datetime
) -> None:
    """One open alert: what breached, since when, who is on it, and the button to say so."""
    value = (
        "—" if pd.isna(row.value) else metric_value(float(row.value), row.unit or "", row.labels)
    )
    # Alerts are judged on the scheduler's clock, which may run ahead of this page's (the demo
    # speeds it up): an instant past "now" reads "just now", never as a time to come.
    firing_since = _when(row.firing_since)
    since = instant(firing_since, zone, max(now, firing_since) if firing_since else now)
    by = None if missing(row.acknowledged_by) else str(row.acknowledged_by)
    acked_at = _when(row.acknowledged_at)
    with st.container(border=True):
        text, button = st.columns([5, 1], vertical_alignment="center")
        text.markdown(
            f"**{plain(titles.get(row.rule, row.rule))}** · {plain(labels_words(row.labels))}"
        )
        stale = " · no fresh data: held, not resolved" if row.state == "stale" else ""
        if _when(row.flapping_since) is not None:
            stale += " · flapping: Slack hears no more of it until it is stable again"
        text.caption(
            plain(f"Alert #{row.id} · rule {row.rule} · severity {row.severity} · now {value} · "
                  f"firing since {since}{stale}")
        )  # fmt: skip
        if by:
            text.markdown(
                f":material/visibility: **Acknowledged by {plain(by)}** "
                f"{ago(acked_at, max(now, acked_at) if acked_at else now)} "
                f"({plain(instant(acked_at, zone))}). Slack no longer repeats it."
            )
        else:
            text.markdown(
                ":material/notifications_active: **Not acknowledged yet.** Slack repeats it "
                "until someone says they are on it."
            )
        if not may_acknowledge_alerts(identity):
            return
        action: AckAction = "unacknowledge" if by else "acknowledge"
        label = "Un-acknowledge" if by else "Acknowledge"
        if button.button(label, key=f"alerts.ack.{row.id}", type="secondary" if by else "primary"):
            try:
                outcome = actions.acknowledge_alert(identity, int(row.id), action, wall_clock())
            except (SyncwatchError, NotAllowedError) as exc:
                st.error(plain(str(exc)))
            else:
                st.session_state[FLASH] = plain(outcome.message)
                st.rerun()


def _open_alerts(
    identity: Identity, shown: Frame, titles: dict[str, str], reading: Reading
) -> None:
    """The open alerts, one card each, with their acknowledgement."""
    st.subheader("Firing alerts: who is on them")
    help_line(
        "Acknowledge an alert to tell the team you are on it: Slack stops repeating it and its "
        "message says who and when. The acknowledgement ends when the alert resolves."
    )
    firing = shown[shown["open"]] if len(shown) else shown
    if len(firing) == 0:
        st.info("No alert is firing.", icon=":material/check_circle:")
        return
    for row in firing.itertuples():
        _alert_card(identity, row, titles, reading.zone, reading.now)


def main() -> None:
    """Draw the alerts and silences page."""
    identity = page_guard("alerts")
    window = current_window(identity)
    now = wall_clock()
    st.title("Alerts & silences")
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(str(flash), icon=":material/task_alt:")
    shown, focus = _focus(integration.alerts(identity, window))
    if focus is not None:
        _focus_banner(focus, len(shown))
    states = shown["state"].value_counts() if len(shown) else {}
    cols = st.columns(3)
    for col, state, text in zip(
        cols, ("firing", "pending", "stale"),
        ("Breaching past their `for` duration; notified.", "Breaching, not yet for long enough.",
         "No fresh data (collector down): not resolved, flagged."), strict=True,
    ):  # fmt: skip
        col.metric(state.capitalize(), int(states.get(state, 0)), help=text)
    settings = runtime().settings
    titles = {r.name: r.title or r.describe() for r in effective_rules(settings)}
    reading = Reading(settings.zone, now, dict(settings.sources))
    _open_alerts(identity, shown, titles, reading)
    st.subheader("Every firing, pending and stale alert")
    table = shown.drop(columns=["open"]) if len(shown) else shown
    view, config = alerts_view(table, titles, reading) if len(table) else (None, None)
    data_table(table, "alerts.active", empty="No alert is firing, pending or stale.", drill=None,
               view=view, column_config=config)  # fmt: skip
    _silences(identity, window, reading)


def _silences(identity: Identity, window: Window, reading: Reading) -> None:
    """Silences in force, and the forms to create and expire one."""
    st.subheader("Silences in force")
    help_line("A silence mutes notifications of matching alerts until it ends; all audited.")
    now = reading.now
    silences = integration.silences(identity, window, now)
    view, config = silences_view(silences, reading) if len(silences) else (None, None)
    data_table(silences, "alerts.silences", empty="No silence in force.", drill=None,
               view=view, column_config=config)  # fmt: skip
    left, right = st.columns(2)
    with left, st.form("alerts.create", clear_on_submit=True):
        st.markdown("**New silence**")
        rule = st.text_input("Rule name", placeholder="e.g. posting-failures")
        flow = st.text_input("Flow label (optional)")
        reason = st.text_input("Reason")
        duration = st.selectbox("For", list(DURATIONS))
        create = st.form_submit_button("Create silence", type="primary")
    if create:
        matchers = {k: v.strip() for k, v in (("rule", rule), ("flow", flow)) if v.strip()}
        try:
            silence_id = actions.create_silence(
                identity, matchers=matchers, reason=reason, starts_at=now,
                ends_at=now + timedelta(hours=DURATIONS[str(duration)]),
            )  # fmt: skip
        except (SyncwatchError, NotAllowedError) as exc:
            st.error(plain(str(exc)))
        else:
            st.session_state[FLASH] = f"Silence #{silence_id} created."
            st.rerun()
    if len(silences):
        with right, st.form("alerts.expire"):
            st.markdown("**Expire a silence**")
            pick = st.selectbox("Silence", [int(i) for i in silences["id"]])
            expire = st.form_submit_button("Expire now")
        if expire and pick is not None:
            try:
                actions.expire_silence(identity, int(pick), now)
            except (SyncwatchError, NotAllowedError) as exc:
                st.error(plain(str(exc)))
            else:
                st.session_state[FLASH] = f"Silence #{pick} expired."
                st.rerun()


main()
