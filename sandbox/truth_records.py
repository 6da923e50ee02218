"""Ground truth outside the flows: customer links, middleware log statistics, malformed records."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sandbox.model import AccountBundle, FlowName, LogEvent
from sandbox.profile import Profile, SystemName
from sandbox.selection import malformed
from sandbox.truth_flows import account_live

WINDOW = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class CustomerRef:
    """A customer as the link checks see it, with its open invoices' totals by currency."""

    system: str
    id: str
    key: str | None
    created: datetime
    open: tuple[tuple[str, int], ...] = ()

    def balance(self) -> tuple[int | None, str | None]:
        """The balance its exception item shows: the largest, then the first currency by code."""
        if not self.open:
            return None, None
        currency, amount = min(self.open, key=lambda balance: (-balance[1], balance[0]))
        return amount, currency


def open_invoices(bundle: AccountBundle, now: datetime) -> dict[tuple[str, str], dict[str, int]]:
    """Totals of the invoices open at ``now`` per (system, customer id) and currency.

    Open: finalized and neither paid nor voided in Stripe; in its table and not yet paid in
    NetSuite, at the total it shows then.
    """
    totals: dict[tuple[str, str], dict[str, int]] = {}

    def add(system: str, customer: str, currency: str, amount: int) -> None:
        balances = totals.setdefault((system, customer), {})
        balances[currency] = balances.get(currency, 0) + amount

    for i in bundle.invoices:
        if i.created <= now and i.status(now) == "open":
            add("stripe", i.customer_id, i.currency, i.total_minor)
    for n in bundle.erp_invoices:
        if n.visible(now) and n.status(now) == "A":
            add("netsuite", n.entity, n.currency, n.total(now))
    return totals


def customers(bundle: AccountBundle, now: datetime) -> Iterator[CustomerRef]:
    """The bundle's NetSuite and Stripe customers that exist (and are not deleted) at ``now``."""
    totals = open_invoices(bundle, now)

    def open_of(system: str, customer: str) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(totals.get((system, customer), {}).items()))

    for c in bundle.erp_customers:
        if c.created <= now and not c.deleted(now):
            yield CustomerRef("netsuite", c.id, c.link(now), c.created, open_of("netsuite", c.id))
    for b in bundle.billing_customers:
        if b.created <= now and not b.deleted(now):
            yield CustomerRef("stripe", b.id, b.crm_account_id, b.created, open_of("stripe", b.id))


@dataclass
class LinkCheck:
    """Finds orphan and duplicate customers across bundles in bounded memory.

    A customer almost always names its own bundle's account, and those links are settled
    bundle by bundle. A key naming anything else is kept aside (such keys are rare) and must
    name no account, quote or invoice anywhere in the world: bundles hold their own links. The
    ids of every bundle are kept only as hashes, so the check costs 8 bytes per record.
    """

    orphans: list[CustomerRef] = field(default_factory=list)
    duplicates: list[CustomerRef] = field(default_factory=list)
    _foreign: dict[tuple[str, str], list[CustomerRef]] = field(default_factory=dict)
    _foreign_keys: dict[int, str] = field(default_factory=dict)
    _own_hashes: array[int] = field(default_factory=lambda: array("q"))

    def add(self, bundle: AccountBundle, now: datetime) -> None:
        """Settle the bundle's customers (foreign keys wait for ``finish``)."""
        account_id = bundle.account.id
        self._own(account_id)
        for quote in bundle.amendments:
            self._own(quote.id)
        for invoice in bundle.invoices:
            self._own(invoice.id)
        live = account_live(bundle, now)
        own: dict[str, list[CustomerRef]] = {}
        for ref in customers(bundle, now):
            if not ref.key:
                self.orphans.append(ref)
            elif ref.key == account_id:
                own.setdefault(ref.system, []).append(ref)
                if not live:
                    self.orphans.append(ref)
            else:
                self.orphans.append(ref)
                self._foreign.setdefault((ref.system, ref.key), []).append(ref)
                self._foreign_keys[hash(ref.key)] = ref.key
        for group in own.values():
            if len(group) > 1:
                self.duplicates.extend(group)
        for erp_invoice in bundle.erp_invoices:
            if erp_invoice.externalid not in {i.id for i in bundle.invoices}:
                self._foreign_keys[hash(erp_invoice.externalid)] = erp_invoice.externalid
        quotes = {q.id for q in bundle.amendments}
        for sub in bundle.subscriptions:
            for applied in sub.amendments:
                if applied.amendment_id not in quotes:
                    self._foreign_keys[hash(applied.amendment_id)] = applied.amendment_id

    def finish(self) -> None:
        """Check that no link crosses bundles, then settle customers sharing a foreign key."""
        foreign = self._foreign_keys
        if foreign:
            for own in self._own_hashes:
                if own in foreign:
                    raise ValueError(
                        f"{foreign[own]!r} is linked from another account's bundle; every "
                        "bundle must hold the records that link to it"
                    )
        for group in self._foreign.values():
            if len(group) > 1:
                self.duplicates.extend(group)

    def _own(self, record_id: str) -> None:
        self._own_hashes.append(hash(record_id))


@dataclass
class LogTally:
    """Middleware log lines of one flow in the trailing 24 hours, replays counted once."""

    attempts: int = 0
    errors: int = 0
    retries: int = 0
    dead_letters: int = 0


def tally_logs(bundle: AccountBundle, now: datetime, tallies: dict[FlowName, LogTally]) -> None:
    """Add the bundle's log lines with ts in (now - 24h, now] to ``tallies``."""
    since = now - WINDOW
    seen: set[LogEvent] = set()
    for line in bundle.log_events:
        if since < line.ts <= now and line not in seen:
            seen.add(line)
            tally = tallies[line.flow]
            tally.attempts += 1
            tally.errors += line.status in ("failed", "dead_letter")
            tally.retries += line.attempt > 1
            tally.dead_letters += line.status == "dead_letter"


POSTING_FLOWS: tuple[FlowName, ...] = ("invoice_billing_to_erp", "payment_billing_to_erp")
"""The flows whose missing items are told apart by their log: failed, or never attempted."""


def latest_posting_lines(
    bundle: AccountBundle, now: datetime
) -> dict[tuple[FlowName, str], LogEvent]:
    """The latest log line at or before ``now`` per (posting flow, Stripe invoice id)."""
    latest: dict[tuple[FlowName, str], LogEvent] = {}
    for line in bundle.log_events:
        if line.flow in POSTING_FLOWS and line.ts <= now:
            key = (line.flow, line.source_id)
            seen = latest.get(key)
            if seen is None or (line.ts, line.attempt) > (seen.ts, seen.attempt):
                latest[key] = line
    return latest


Records = Callable[[AccountBundle, datetime], Iterable[str]]

# (system, manifest object type, the name the simulator passes to selection.malformed, the ids
# of the records it serves at an instant)
_SERVED: tuple[tuple[SystemName, str, str, Records], ...] = (
    (
        "salesforce",
        "account",
        "Account",
        lambda b, at: (
            [b.account.id] if b.account.created <= at and not b.account.purged(at) else []
        ),
    ),
    (
        "salesforce",
        "amendment",
        "SBQQ__Quote__c",
        lambda b, at: (q.id for q in b.amendments if q.created <= at),
    ),
    (
        "stripe",
        "customer",
        "customer",
        lambda b, at: (c.id for c in b.billing_customers if c.created <= at and not c.deleted(at)),
    ),
    (
        "stripe",
        "subscription",
        "subscription",
        lambda b, at: (s.id for s in b.subscriptions if s.created <= at),
    ),
    ("stripe", "invoice", "invoice", lambda b, at: (i.id for i in b.invoices if i.created <= at)),
    (
        "netsuite",
        "customer",
        "customer",
        lambda b, at: (c.id for c in b.erp_customers if c.created <= at and not c.deleted(at)),
    ),
    (
        "netsuite",
        "invoice",
        "invoice",
        lambda b, at: (e.id for e in b.erp_invoices if e.visible(at)),
    ),
    (
        "zendesk",
        "organization",
        "organization",
        lambda b, at: (str(o.id) for o in b.organizations if o.created <= at),
    ),
    (
        "zendesk",
        "ticket",
        "ticket",
        lambda b, at: (str(t.id) for t in b.tickets if t.created <= at),
    ),
)


def malformed_records(
    bundle: AccountBundle, now: datetime, seed: int, profile: Profile
) -> Iterator[dict[str, str]]:
    """The bundle's records (existing at ``now``) that the simulators render unparseable."""
    for system, object_type, object_name, records in _SERVED:
        share = profile.transport_for(system).malformed
        if share <= 0:
            continue
        for record_id in records(bundle, now):
            if malformed(seed, share, system, object_name, record_id):
                yield {"system": system, "object_type": object_type, "external_id": record_id}
