"""Zendesk's JSON for tickets and organizations, with schema drift and malformed records.

Each object carries every field Zendesk's OpenAPI description gives it on a read (its
write-only properties left out; ``tests/fixtures/wire_fields/zendesk.json`` names the source
and holds the field lists).

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
        """A ticket as the export renders it.

        The world knows a ticket's organization, subject, priority, tags and status history,
        not its people, comments, groups or forms: those fields are null or empty.
        """
        updated = t.updated(now)
        body: JsonObject = {
            "id": t.id,
            "url": f"{base}/api/v2/tickets/{t.id}.json",
            "allow_attachments": True,
            "allow_channelback": False,
            "assignee_id": None,
            "brand_id": None,
            "collaborator_ids": [],
            "created_at": iso_z(t.created),
            "custom_fields": [],
            "custom_status_id": None,
            "description": None,
            "due_at": None,
            "email_cc_ids": [],
            "external_id": None,
            "follower_ids": [],
            "followup_ids": [],
            "forum_topic_id": None,
            "from_messaging_channel": False,
            "generated_timestamp": unix(updated),
            "group_id": None,
            "has_incidents": False,
            "is_public": True,
            "organization_id": t.organization_id,
            "priority": t.priority,
            "problem_id": None,
            "raw_subject": t.subject,
            "recipient": None,
            "requester_id": None,
            "satisfaction_rating": None,
            "sharing_agreement_ids": [],
            "status": t.status(now),
            "subject": t.subject,
            "submitter_id": None,
            "tags": list(t.tags),
            "ticket_form_id": None,
            "type": None,
            "updated_at": self._stamp("ticket", t.id, updated),
            "via": {"channel": "web", "source": {"from": {}, "rel": None, "to": {}}},
        }
        return apply_renames(body, self.faults.renamed_fields)

    def organization(self, o: SupportOrganization, base: str) -> JsonObject:
        """An organization as the export renders it (never edited, so updated = created)."""
        body: JsonObject = {
            "id": o.id,
            "url": f"{base}/api/v2/organizations/{o.id}.json",
            "name": o.name,
            "created_at": iso_z(o.created),
            "details": None,
            "domain_names": [],
            "external_id": o.external_id,
            "group_id": None,
            "notes": None,
            "organization_fields": {},
            "shared_comments": False,
            "shared_tickets": False,
            "tags": [],
            "updated_at": self._stamp("organization", o.id, o.created),
        }
        return apply_renames(body, self.faults.renamed_fields)
