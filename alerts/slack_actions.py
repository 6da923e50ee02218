"""What a click on an alert's Slack button does: acknowledge, snooze or assign its incident.

The person is named from their Slack account (``alerts.slack_users``) and must hold a role that
acts on alerts, the same check as acknowledging on the dashboard or the command line. A click
acts on every open alert of the incident the message was posted for; on a message whose
incident has ended it does nothing and says so. Snoozing silences each of those alerts exactly
(its rule and labels) for one or four hours in the clicker's name, so an alert that joins the
incident later is still announced. Whatever changes is an alert event and an audit entry, in
one transaction with the message update it enqueues.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import psycopg
from slack_sdk import WebClient

from alerts import slack_buttons as buttons
from alerts.acknowledgements import AcknowledgementError, change_acknowledgement, check_may_act
from alerts.assignments import assign_alert
from alerts.defaults import rule_in_force
from alerts.incident_refresh import open_alerts, refresh_incident_message
from alerts.lifecycle import AlertState
from alerts.messages import Activity
from alerts.silences import active_silences, create_silence
from alerts.slack_users import SlackUserError, syncwatch_identity
from alerts.store import EVALUATION_LOCK, load_open_incidents
from core.config import Settings
from core.database import Database
from core.display import duration, instant
from core.roles import Identity

log = logging.getLogger(__name__)

_DOING = {
    buttons.ACKNOWLEDGE: "acknowledge alerts",
    buttons.UNACKNOWLEDGE: "withdraw acknowledgements",
    buttons.SNOOZE_1H: "snooze alerts",
    buttons.SNOOZE_4H: "snooze alerts",
    buttons.ASSIGN_ME: "take alerts",
}


@dataclass(frozen=True, slots=True)
class Click:
    """One press of a button on a message, as Slack's ``block_actions`` payload describes it."""

    user: str
    action_id: str
    value: str | None
    response_url: str | None


@dataclass(frozen=True, slots=True)
class Answer:
    """What a click did: whether anything changed, and what to tell the person who clicked."""

    changed: bool
    text: str | None = None


@dataclass(frozen=True, slots=True)
class _Done:
    """One action's effect: the event that records it and what to say about it."""

    event_id: int
    activity: Activity
    reply: str


def clicks(payload: dict[str, Any]) -> list[Click]:
    """The button presses in a ``block_actions`` payload (empty for any other payload)."""
    if payload.get("type") != "block_actions":
        return []
    who = payload.get("user")
    user = who.get("id") if isinstance(who, dict) else None
    url = payload.get("response_url")
    return [
        Click(str(user), str(a["action_id"]), a.get("value"), url if isinstance(url, str) else None)
        for a in payload.get("actions") or []
        if isinstance(a, dict) and a.get("action_id") and user
    ]


def act(
    db: Database, settings: Settings, client: WebClient | None, click: Click, now: datetime
) -> Answer:
    """Do what ``click`` asks as of ``now``; refusals and no-ops are answered in words."""
    if click.action_id not in buttons.ACTIONS:
        return Answer(changed=False)  # a link button: Slack opened the link
    target = buttons.parse_value(click.value)
    if target is None:
        log.warning("ignored a Slack click on %s with a value syncwatch did not write",
                    click.action_id)  # fmt: skip
        return Answer(False, "This button was not made by syncwatch, so it does nothing.")
    with db.connection() as conn:
        try:
            identity = syncwatch_identity(conn, client, settings, click.user)
            check_may_act(identity, _DOING[click.action_id])
        except (SlackUserError, AcknowledgementError) as exc:
            log.warning("refused a Slack click on %s by %s: %s", click.action_id, click.user, exc)
            return Answer(False, str(exc))
        with conn.transaction():
            # Taken before anything is read, so an evaluation cannot save over this change.
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (EVALUATION_LOCK,))
            incident = load_open_incidents(conn).get(target.group_key)
            rule = None if incident is None else rule_in_force(conn, settings, incident.rule, now)
            if incident is None or rule is None or incident.started_at != target.started_at:
                return Answer(False, "This alert is no longer firing: there is nothing to do.")
            members = open_alerts(conn, incident.group_key)
            done = _do(conn, settings, click.action_id, members, identity, now)
            if isinstance(done, str):
                return Answer(False, done)
            refresh_incident_message(
                conn, settings, rule, incident, activity=done.activity, reply=done.reply,
                event_id=done.event_id,
            )  # fmt: skip
    log.info("%s: %s from Slack by %s", incident.group_key, click.action_id, identity.name)
    return Answer(changed=True)


def _do(
    conn: psycopg.Connection[Any],
    settings: Settings,
    action_id: str,
    members: list[AlertState],
    identity: Identity,
    now: datetime,
) -> _Done | str:
    """Apply the action to the incident's open alerts; what it did, or why it did nothing."""
    if action_id in (buttons.ACKNOWLEDGE, buttons.UNACKNOWLEDGE):
        withdraw = action_id == buttons.UNACKNOWLEDGE
        return _acknowledge(conn, settings, members, identity, now, withdraw=withdraw)
    if action_id == buttons.ASSIGN_ME:
        return _assign(conn, members, identity, now)
    return _snooze(conn, settings, members, identity, now, buttons.SNOOZES[action_id])


def _acknowledge(
    conn: psycopg.Connection[Any],
    settings: Settings,
    members: list[AlertState],
    identity: Identity,
    now: datetime,
    *,
    withdraw: bool,
) -> _Done | str:
    action: Literal["acknowledge", "unacknowledge"] = "unacknowledge" if withdraw else "acknowledge"
    outcomes = [
        change_acknowledgement(
            conn, settings, a.id, action, identity=identity, at=now, announce_change=False
        )
        for a in members
        if a.id is not None
    ]
    if not any(o.changed for o in outcomes):
        return outcomes[0].message if outcomes else "This alert has nothing to acknowledge."
    if withdraw:
        activity = Activity(action="unacknowledged", by=identity.name, at=now)
        return _Done(_last_event(conn, members), activity,
                     f"Acknowledgement withdrawn by {identity.name}")  # fmt: skip
    activity = Activity(action="acknowledged", by=identity.name, at=now)
    return _Done(_last_event(conn, members), activity, f"Acknowledged by {identity.name}")


def _assign(
    conn: psycopg.Connection[Any], members: list[AlertState], identity: Identity, now: datetime
) -> _Done | str:
    events = [assign_alert(conn, a, to=identity.name, actor=identity.name, at=now) for a in members]
    made = [e for e in events if e is not None]
    if not made:
        return "This alert is already assigned to you: nothing changed."
    activity = Activity(action="assigned", by=identity.name, at=now)
    return _Done(max(made), activity, f"Assigned to {identity.name}")


def _snooze(
    conn: psycopg.Connection[Any],
    settings: Settings,
    members: list[AlertState],
    identity: Identity,
    now: datetime,
    length: timedelta,
) -> _Done | str:
    until = now + length
    silences = active_silences(conn, now)
    # When each alert is silenced until (now: not silenced); one silenced as long needs no other.
    ends = {
        a.fingerprint: max((s.ends_at for s in silences if s.matches(a.rule, a.labels)),
                           default=now)
        for a in members
    }  # fmt: skip
    waiting = [a for a in members if ends[a.fingerprint] < until]
    if not waiting:
        end = instant(min(ends.values()), settings.zone)
        return f"This alert is already silenced until {end}: nothing changed."
    said = f"Snoozed for {duration(length)} by {identity.name}"
    events = []
    for alert in waiting:
        silence_id = create_silence(
            conn, matchers={"rule": alert.rule, **alert.labels}, created_by=identity.name,
            reason=f"{said} from Slack", starts_at=now, ends_at=until,
        )  # fmt: skip
        row = conn.execute(
            "INSERT INTO alert_event (alert_id, ts, from_state, to_state, value, note, actor) "
            "VALUES (%s, %s, %s, 'snoozed', %s, %s, %s) RETURNING id",
            (alert.id, now, alert.state, alert.value,
             f"silence #{silence_id} until {instant(until, settings.zone)}", identity.name),
        ).fetchone()  # fmt: skip
        assert row is not None
        events.append(int(row[0]))
    activity = Activity(action="snoozed", by=identity.name, at=now, until=until)
    return _Done(max(events), activity, f"{said} (until {instant(until, settings.zone)})")


def _last_event(conn: psycopg.Connection[Any], members: list[AlertState]) -> int:
    row = conn.execute(
        "SELECT max(id) FROM alert_event WHERE alert_id = ANY(%s)", ([a.id for a in members],)
    ).fetchone()
    assert row is not None and row[0] is not None
    return int(row[0])
