"""Zendesk's JSON for tickets and organizations, with schema drift and malformed records.

A malformed record (``sandbox.selection.malformed`` with system ``"zendesk"`` and object type
``ticket`` or ``organization``) carries an ``updated_at`` in a local date format an ISO 8601
parser rejects.
"""

from __future__ import annotations

from datetime import datetime

from sandbox.model import SupportOrganization, SupportTicket
from sandbox.profile import TransportFaults
from sandbox.selection import malformed
from sandbox.wire.encoding import JsonObject, apply_renames, iso_z, unix


class ZendeskRenderer:
    """Turns support records into the export's JSON at an instant."""

    def __init__(self, seed: int, faults: TransportFaults) -> None:
        self.seed = seed
        self.faults = faults

    def _bad(self, object_type: str, record_id: int) -> bool:
        return malformed(self.seed, self.faults.malformed, "zendesk", object_type, str(record_id))

    def _stamp(self, object_type: str, record_id: int, instant: datetime) -> str:
        if self._bad(object_type, record_id):
            return instant.strftime("%d/%m/%Y %H:%M")
        return iso_z(instant)

    def ticket(self, t: SupportTicket, now: datetime, base: str) -> JsonObject:
        """A ticket as the export renders it."""
        updated = t.updated(now)
        body: JsonObject = {
            "id": t.id,
            "url": f"{base}/api/v2/tickets/{t.id}.json",
            "external_id": None,
            "type": None,
            "subject": t.subject,
            "priority": t.priority,
            "status": t.status(now),
            "organization_id": t.organization_id,
            "tags": list(t.tags),
            "created_at": iso_z(t.created),
            "updated_at": self._stamp("ticket", t.id, updated),
            "generated_timestamp": unix(updated),
        }
        return apply_renames(body, self.faults.renamed_fields)

    def organization(self, o: SupportOrganization, base: str) -> JsonObject:
        """An organization as the export renders it (never edited, so updated = created)."""
        body: JsonObject = {
            "id": o.id,
            "url": f"{base}/api/v2/organizations/{o.id}.json",
            "name": o.name,
            "external_id": o.external_id,
            "details": None,
            "notes": None,
            "domain_names": [],
            "tags": [],
            "organization_fields": {},
            "created_at": iso_z(o.created),
            "updated_at": self._stamp("organization", o.id, o.created),
        }
        return apply_renames(body, self.faults.renamed_fields)
