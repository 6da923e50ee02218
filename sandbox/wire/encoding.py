"""Wire-level helpers every simulator shares: timestamps and schema drift."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

JsonObject = dict[str, Any]


def unix(instant: datetime) -> int:
    """Unix seconds of an aware datetime."""
    return int(instant.timestamp())


def iso_z(instant: datetime) -> str:
    """ISO 8601 in UTC with whole seconds and a ``Z`` suffix (``2024-02-03T18:09:58Z``)."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def apply_renames(record: JsonObject, renames: Mapping[str, str]) -> JsonObject:
    """Serve wire field ``old`` under ``new`` (schema drift), in place; returns ``record``.

    A dotted ``old`` such as ``parent.subscription_details.subscription`` names a nested field;
    it keeps its place and only its last name changes. Fields a record lacks are left alone,
    so one mapping can apply to every object type of an API.
    """
    for old, new in renames.items():
        *path, leaf = old.split(".")
        target: Any = record
        for step in path:
            target = target.get(step) if isinstance(target, dict) else None
        if isinstance(target, dict) and leaf in target:
            target[new.rsplit(".", 1)[-1]] = target.pop(leaf)
    return record
