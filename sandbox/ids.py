"""Realistic, deterministic record ids for every simulated system.

Every id is a pure function of the world seed and the position of the record in the world
(account index, then the record's slot inside that account), so the same world always carries
the same ids and a record's id can be derived without generating anything else.
"""

from __future__ import annotations

import hashlib

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# bytes.translate maps each digest byte to an alphanumeric character in one C call; the slight
# bias of ``byte % 62`` does not matter for ids that only need to look and behave like Stripe's.
_ALNUM_TABLE = bytes(ord(_BASE62[b % 62]) for b in range(256))
_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

_SF_SPACE = 62**9
# An odd multiplier that is not a multiple of 31 is invertible modulo 62**9, so distinct
# indexes always map to distinct ids: Salesforce ids never collide.
_SF_MULTIPLIER = 2_654_435_761

ACCOUNT_PREFIX = "001"
QUOTE_PREFIX = "a1Q"
CONTRACT_PREFIX = "800"

MADE_UP_INDEX_BASE = 10**12
"""Indexes from here on name records that exist nowhere (orphans point at them)."""

INVOICES_PER_ACCOUNT = 1000
"""NetSuite and Zendesk numbering reserves this many invoice slots per account."""
TICKETS_PER_ACCOUNT = 50
"""Zendesk ticket numbering reserves this many ticket slots per account."""
CUSTOMER_SLOTS = 4
"""NetSuite customer numbering reserves this many customers per account."""


def _digest(size: int, seed: int, kind: str, key: tuple[int, ...]) -> bytes:
    text = f"{seed}\x1f{kind}\x1f{'.'.join(map(str, key))}".encode()
    return hashlib.blake2b(text, digest_size=size).digest()


def _alnum(size: int, seed: int, kind: str, key: tuple[int, ...]) -> str:
    return _digest(size, seed, kind, key).translate(_ALNUM_TABLE).decode("ascii")


def salesforce_checksum(id15: str) -> str:
    """The 3-character case-safe suffix Salesforce appends to a 15-character id."""
    suffix = []
    for chunk in range(3):
        flags = 0
        for position in range(5):
            if "A" <= id15[chunk * 5 + position] <= "Z":
                flags |= 1 << position
        suffix.append(_CHECKSUM_ALPHABET[flags])
    return "".join(suffix)


def salesforce_id(prefix: str, seed: int, index: int) -> str:
    """An 18-character Salesforce id with key prefix ``prefix`` (e.g. '001' for Account)."""
    offset = int.from_bytes(_digest(8, seed, prefix, ()), "big")
    number = (index * _SF_MULTIPLIER + offset) % _SF_SPACE
    digits = []
    for _ in range(9):
        number, digit = divmod(number, 62)
        digits.append(_BASE62[digit])
    # "8d" plays the instance (pod) characters and "0" the reserved one, as in real ids.
    id15 = prefix + "8d0" + "".join(reversed(digits))
    return id15 + salesforce_checksum(id15)


def stripe_id(prefix: str, seed: int, *key: int) -> str:
    """A Stripe id: ``cus_`` + 14 characters, any other prefix + 24 characters."""
    size = 14 if prefix == "cus" else 24
    return f"{prefix}_{_alnum(size, seed, prefix, key)}"


def stripe_invoice_prefix(seed: int, account_index: int) -> str:
    """The customer's invoice number prefix (Stripe numbers invoices PREFIX-0001, ...)."""
    return _digest(4, seed, "invoice-prefix", (account_index,)).hex().upper()


def netsuite_customer_id(account_index: int, slot: int) -> str:
    """A NetSuite customer internal id (slot 0: the synced customer; others: extra records)."""
    if not 0 <= slot < CUSTOMER_SLOTS:
        raise ValueError(f"customer slot must be in [0, {CUSTOMER_SLOTS})")
    return str(1000 + account_index * CUSTOMER_SLOTS + slot)


def netsuite_entityid(internal_id: str) -> str:
    """The customer's entityid shown in NetSuite, such as CUST10042."""
    return f"CUST{9000 + int(internal_id)}"


def netsuite_invoice_id(account_index: int, number: int) -> str:
    """A NetSuite invoice internal id for the account's ``number``-th invoice."""
    if not 0 <= number < INVOICES_PER_ACCOUNT:
        raise ValueError(f"invoice number must be in [0, {INVOICES_PER_ACCOUNT})")
    return str(200_000 + account_index * INVOICES_PER_ACCOUNT + number)


def netsuite_tranid(internal_id: str) -> str:
    """The invoice's document number (tranid), such as INV100231."""
    return f"INV{int(internal_id) - 100_000}"


def zendesk_organization_id(account_index: int) -> int:
    """A Zendesk organization id."""
    return 360_000_000_000 + account_index


def zendesk_ticket_id(account_index: int, number: int) -> int:
    """A Zendesk ticket id for the account's ``number``-th ticket."""
    if not 0 <= number < TICKETS_PER_ACCOUNT:
        raise ValueError(f"ticket number must be in [0, {TICKETS_PER_ACCOUNT})")
    return 1 + account_index * TICKETS_PER_ACCOUNT + number


def correlation_id(seed: int, *key: int) -> str:
    """A middleware correlation id in UUID format."""
    h = _digest(16, seed, "correlation", key).hex()
    # Version 4 layout: the version nibble is 4 and the variant bits are 10.
    variant = "89ab"[int(h[16], 16) & 3]
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:]}"
