"""The audit log as people read it: who did what to which thing, when, and the details in words.

Entries are stored with codes (``exception.acknowledge`` on an ``exception_item``, details as
JSON); the audit page shows this view and its CSV download keeps the codes.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Final

import pandas as pd  # type: ignore[import-untyped]

from app.queries.core import Frame
from app.views import Config, Reading, flow_title, missing, text_column, when, words
from core.display import MISSING, metric_title, object_title, system_title
from metrics.label_words import labels_words

ACTION_TITLES: Final[dict[str, str]] = {
    "sign_in": "Signed in",
    "sign_in.failed": "Sign-in refused: wrong user name or password",
    "sign_in.locked": "Sign-in refused: paused after wrong passwords",
    "user.add": "Added or replaced",
    "user.email": "Changed the e-mail address",
    "user.roles": "Changed the roles",
    "user.password": "Reset the password",
    "user.disable": "Disabled",
    "user.enable": "Enabled",
    "alert.acknowledge": "Acknowledged",
    "alert.unacknowledge": "Withdrew the acknowledgement",
    "alert.assign": "Assigned",
    "silence.create": "Created",
    "silence.expire": "Expired",
    "match.confirm": "Confirmed the match",
    "match.reject": "Rejected the match",
    "exception.acknowledge": "Acknowledged",
    "exception.assign": "Assigned",
    "exception.unassign": "Unassigned",
    "exception.note": "Added a note",
    "exception.resolve": "Resolved",
    "config.view": "Viewed",
}
TARGET_TITLES: Final[dict[str, str]] = {
    "app_user": "user",
    "alert": "alert",
    "silence": "silence",
    "exception_item": "exception item",
    "account_link": "account match",
    "config": "configuration",
}
DETAIL_TITLES: Final[dict[str, str]] = {
    "failed_logins": "wrong passwords in a row",
    "known_user": "the user exists",
    "crm_account_id": "CRM account",
    "customer_id": "customer",
    "was_assigned_to": "was assigned to",
    "starts_at": "from",
    "ends_at": "until",
    "matchers": "mutes",
    "decided_by": "by",
    "decided_at": "on",
}


def action_words(action: object) -> str:
    """What was done, in words (an unknown action with its dots and underscores as spaces)."""
    text = ACTION_TITLES.get(str(action)) or str(action).replace(".", " ").replace("_", " ")
    return text[:1].upper() + text[1:]


def target_words(target_type: object, target_id: object, details: dict[str, Any]) -> str:
    """What it was done to: ``user fiona``, ``exception item #12``, ``3 exception items``."""
    if missing(target_type):
        return MISSING
    kind = TARGET_TITLES.get(str(target_type), str(target_type).replace("_", " "))
    if not missing(target_id):
        if kind == "user":
            return f"user {target_id}"
        # A configuration is named by its fingerprint: which settings were seen.
        return f"configuration {target_id}" if kind == "configuration" else f"{kind} #{target_id}"
    items = details.get("items")
    return f"{len(items)} {kind}s" if isinstance(items, list) else f"{kind}s"


def details_words(details: dict[str, Any], reading: Reading) -> str:
    """An entry's details as ``key: value`` pairs in words (an em dash for none)."""
    if not details:
        return MISSING
    return " · ".join(f"{_key(k)}: {_value(k, v, reading)}" for k, v in details.items())


def audit_view(frame: Frame, reading: Reading) -> tuple[Frame, Config]:
    """The audit entries, newest first, as people read them."""
    details = [_parsed(d) for d in frame["details"]]
    view = pd.DataFrame(
        {
            "when": [when(t, reading) for t in frame["ts"]],
            "who": [words(a) for a in frame["actor"]],
            "what": [action_words(a) for a in frame["action"]],
            "on": [
                target_words(t, i, d)
                for t, i, d in zip(frame["target_type"], frame["target_id"], details, strict=True)
            ],
            "details": [details_words(d, reading) for d in details],
        }
    )
    config: Config = {
        "when": text_column("When", "In the reporting time zone.", width="medium"),
        "who": text_column("Who", width="small"),
        "what": text_column("What", width="medium"),
        "on": text_column("On", width="medium"),
        "details": text_column("Details", width="large"),
    }
    return view, config


def _parsed(text: object) -> dict[str, Any]:
    if missing(text):
        return {}
    value = json.loads(str(text))
    return value if isinstance(value, dict) else {"details": value}


def _key(key: str) -> str:
    return DETAIL_TITLES.get(key, key.replace("_", " "))


def _value(key: str, value: Any, reading: Reading) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "matchers":
        return labels_words(value)
    if isinstance(value, dict):
        return "(" + details_words(value, reading) + ")"
    if isinstance(value, list):
        return ", ".join(_value(key, v, reading) for v in value) or "none"
    if key in ("metric", "scope"):
        return metric_title(value)
    if key == "flow":
        return flow_title(value)
    if key == "system":
        return system_title(value)
    if key == "items":
        return f"#{value}"
    if key == "record" and str(value).count("/") >= 2:
        system, kind, record_id = str(value).split("/", 2)
        return f"{system_title(system)} {object_title(kind)} {record_id}"
    if key.endswith("_at") or key == "opened_before":
        try:
            return when(datetime.fromisoformat(str(value)), reading)
        except ValueError:
            return str(value)
    return str(value)
