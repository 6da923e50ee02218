"""One middleware log line (JSON) as a sync event, or a RecordError saying why not."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from collectors.base import require
from core.errors import RecordError
from core.store.events import LogEventRow

STATUSES = frozenset({"success", "failed", "retrying", "dead_letter"})


def _required_text(obj: dict[str, Any], name: str) -> str:
    value = require(obj, name)
    if not isinstance(value, str) or not value.strip():
        raise RecordError(f"field {name!r} is not a non-empty string: {value!r}")
    return value


def _optional_text(obj: dict[str, Any], name: str) -> str | None:
    value = obj.get(name)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise RecordError(f"field {name!r} is not a string: {value!r}")


def _optional_int(obj: dict[str, Any], name: str) -> int | None:
    value = obj.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(f"field {name!r} is not an integer: {value!r}")
    return value


def _timestamp(obj: dict[str, Any]) -> datetime:
    text = _required_text(obj, "ts")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise RecordError(f"field 'ts' is not an ISO 8601 time: {text!r}") from None
    if parsed.tzinfo is None:
        raise RecordError(f"field 'ts' has no time zone: {text!r}")
    return parsed.astimezone(UTC)


def parse_line(text: str, origin: str) -> LogEventRow:
    """Parse one log line read at ``origin`` (``<file>:<line>``)."""
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        # Some messages end in "at" themselves ("Invalid control character at").
        raise RecordError(
            f"not JSON: {exc.msg.removesuffix(' at')} at column {exc.colno}"
        ) from None
    except ValueError as exc:
        # Python refuses some valid JSON, such as an integer of more than 4,300 digits.
        raise RecordError(f"not readable JSON: {exc}") from None
    except RecursionError:
        raise RecordError("not readable JSON: nested too deeply") from None
    if not isinstance(obj, dict):
        raise RecordError(f"not a JSON object but {type(obj).__name__}")
    status = _required_text(obj, "status")
    if status not in STATUSES:
        raise RecordError(f"field 'status' is {status!r}, not one of {sorted(STATUSES)}")
    return LogEventRow(
        ts=_timestamp(obj),
        flow=_required_text(obj, "flow"),
        status=status,
        raw=obj,
        correlation_id=_required_text(obj, "correlation_id"),
        source_system=_optional_text(obj, "source_system"),
        source_id=_required_text(obj, "source_id"),
        target_system=_optional_text(obj, "target_system"),
        target_id=_optional_text(obj, "target_id"),
        attempt=_optional_int(obj, "attempt"),
        error_code=_optional_text(obj, "error_code"),
        error_message=_optional_text(obj, "error_message"),
        duration_ms=_optional_int(obj, "duration_ms"),
        origin=origin,
    )
