"""Admission: what a page may carry into the store, decided in one place for every source.

The runner admits every page before it is committed. Text the store cannot hold (U+0000 and
lone surrogates, see ``core.store.text``) and text beyond the source's limits are handled by
the kind of field that holds it:

- an id or key (record id and references; an event's flow, systems and ids): the record is
  quarantined when the key holds such a character or is longer than ``max_id_chars``, since a
  changed key would name another record;
- free text (names, statuses, error messages) and every key and string of the JSON payload:
  each such character is replaced by U+FFFD and counted on the run (``collector_run.cleaned``);
- any text longer than ``max_field_chars``, or a payload nested too deeply to store: the record
  is quarantined with the reason, the quarantine keeping a bounded excerpt.

Quarantined rows are made storable by the quarantine writer itself. Log lines longer than
``max_line_bytes`` never get here: the tailer reads past them and the log stream quarantines
their start.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar

from collectors.base import Page
from core.config.sources import RecordLimits
from core.errors import RecordError
from core.store.events import LogEventRow
from core.store.records import CanonicalRecord
from core.store.text import (
    as_text,
    describe_unstorable,
    json_strings,
    plainly_storable,
    storable,
    storable_json,
    unstorable,
)

Row = TypeVar("Row", CanonicalRecord, LogEventRow)

RECORD_KEYS = ("system", "object_type", "external_id", "account_ref", "link_ref", "parent_ref")
RECORD_TEXT = ("name", "domain", "status", "currency")
EVENT_KEYS = ("flow", "correlation_id", "source_system", "source_id", "target_system", "target_id")
EVENT_TEXT = ("status", "error_code", "error_message", "origin")
DELETION_KEYS = ("system", "object_type", "external_id")


def admit(page: Page, limits: RecordLimits) -> None:
    """Clean what the store cannot hold and quarantine what it must not take, in place."""
    records: list[CanonicalRecord] = []
    for record in page.records:
        try:
            admitted, cleaned = _admitted(record, RECORD_KEYS, RECORD_TEXT, "payload", limits)
        except RecordError as exc:
            page.quarantine(as_text(record.payload), str(exc), external_id=record.external_id)
            continue
        records.append(admitted)
        page.cleaned += cleaned
    events: list[LogEventRow] = []
    for event in page.events:
        try:
            admitted_event, cleaned = _admitted(event, EVENT_KEYS, EVENT_TEXT, "raw", limits)
        except RecordError as exc:
            page.quarantine(
                as_text(event.raw),
                str(exc),
                external_id=event.correlation_id,
                location=event.origin,
            )
            continue
        events.append(admitted_event)
        page.cleaned += cleaned
    page.records, page.events = records, events
    deletions = []
    for deletion in page.deletions:
        try:
            _check_keys(deletion, DELETION_KEYS, limits)
        except RecordError as exc:
            page.quarantine(
                as_text({"deleted": deletion.external_id}),
                str(exc),
                external_id=deletion.external_id,
            )
            continue
        deletions.append(deletion)
    page.deletions = deletions
    if page.present is not None:
        # An id no record may have names no stored record: leaving it out of the listing
        # changes nothing, and its record was quarantined on the page that carried it.
        ids = frozenset(i for i in page.present.ids if _key_problem(i, limits) is None)
        page.present = replace(page.present, ids=ids)


def _admitted(
    row: Row, keys: tuple[str, ...], texts: tuple[str, ...], document: str, limits: RecordLimits
) -> tuple[Row, int]:
    """``row`` made storable and how many characters were replaced; RecordError if refused."""
    _check_keys(row, keys, limits)
    changes: dict[str, Any] = {}
    cleaned = 0
    for name in texts:
        value = getattr(row, name)
        if value is None:
            continue
        _check_length(name, value, limits)
        text, replaced = storable(value)
        if replaced:
            changes[name], cleaned = text, cleaned + replaced
    payload = getattr(row, document)
    if not plainly_storable(payload, limits.max_field_chars):
        replaced = 0
        for path, text in json_strings(payload, document):
            _check_length(path, text, limits)
            replaced += unstorable(text)
        if replaced:
            try:
                changes[document] = storable_json(payload)
            except RecursionError:
                raise RecordError(f"{document} is nested too deeply to store") from None
            cleaned += replaced
    return (replace(row, **changes) if changes else row), cleaned


def _check_keys(row: object, keys: tuple[str, ...], limits: RecordLimits) -> None:
    for name in keys:
        value = getattr(row, name)
        problem = None if value is None else _key_problem(value, limits)
        if problem is not None:
            raise RecordError(f"field {name!r} {problem}")


def _key_problem(value: str, limits: RecordLimits) -> str | None:
    if len(value) > limits.max_id_chars:
        return f"is {len(value):,} characters long, over max_id_chars ({limits.max_id_chars:,})"
    if unstorable(value):
        return f"holds {describe_unstorable(value)}, which the store cannot hold in a key"
    return None


def _check_length(name: str, value: str, limits: RecordLimits) -> None:
    if len(value) > limits.max_field_chars:
        raise RecordError(
            f"field {name!r} is {len(value):,} characters long, "
            f"over max_field_chars ({limits.max_field_chars:,})"
        )
