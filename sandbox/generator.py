"""The world generator: a seeded B2B SaaS company, streamed one account bundle at a time.

Each account's bundle comes from its own random stream seeded by (seed, account index), so
bundles are independent: a world of a million accounts is generated in constant memory, and
any one bundle can be regenerated alone. Entities carry their state changes as instants, so
the same world answers for any simulated time; with a ``horizon`` it already holds the
activity that becomes visible as a live clock moves past ``now``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sandbox.catalog import World
from sandbox.draw import Draw, Frame
from sandbox.gen_accounts import add_billing_customers, add_erp_customers, make_account
from sandbox.gen_billing import add_billing
from sandbox.gen_motion import apply_motion
from sandbox.gen_support import add_support
from sandbox.model import AccountBundle
from sandbox.profile import Profile


@dataclass(frozen=True)
class WorldSpec:
    """Everything that determines a world: the same spec always yields the same world."""

    seed: int
    profile: Profile
    now: datetime
    horizon: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        if self.now.tzinfo is None or self.now.utcoffset() != timedelta(0):
            raise ValueError("WorldSpec.now must be a timezone-aware UTC datetime")
        if self.horizon < timedelta(0):
            raise ValueError("WorldSpec.horizon must not be negative")

    def identity(self) -> dict[str, object]:
        """A JSON-ready description naming this world (the profile's content by a digest)."""
        digest = hashlib.sha256(self.profile.model_dump_json().encode()).hexdigest()
        return {
            "seed": self.seed,
            "profile": self.profile.name,
            "accounts": self.profile.accounts,
            "now": self.now.isoformat(),
            "horizon": str(self.horizon),
            "fingerprint": digest[:16],
        }


def generate_bundle(frame: Frame, index: int) -> AccountBundle:
    """The bundle of account ``index``: its records in every system and its log lines."""
    draw = Draw(frame, index)
    account = make_account(draw)
    draw.bundle = AccountBundle(account)
    account = add_erp_customers(draw, account)
    account, billing_customer = add_billing_customers(draw, account)
    erp_customer = draw.bundle.erp_customers[0] if account.erp_customer_id else None
    add_billing(draw, account, billing_customer, erp_customer)
    add_support(draw, account)
    bundle = draw.bundle
    bundle.account = account
    apply_motion(frame, index, bundle)
    bundle.log_events.sort(key=lambda e: (e.ts, e.flow, e.source_id, e.attempt))
    bundle.stripe_events.sort(key=lambda e: (e.created, e.id))
    return bundle


def iter_bundles(spec: WorldSpec) -> Iterator[AccountBundle]:
    """Yield every account's bundle in account order, generating each on demand."""
    frame = Frame.build(spec.seed, spec.profile, spec.now, spec.horizon)
    for index in range(spec.profile.accounts):
        yield generate_bundle(frame, index)


def generate_world(spec: WorldSpec) -> World:
    """The whole world in memory (for the simulators and for small worlds)."""
    return World.from_bundles(iter_bundles(spec))
