"""The per-account generation context: one seeded random stream and the world's time frame."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sandbox.model import AccountBundle, FlowName
from sandbox.profile import DataFaults, Profile
from sandbox.timeline import lognormal_params

FLOWS: tuple[FlowName, ...] = (
    "account_crm_to_erp",
    "account_crm_to_billing",
    "amendment_crm_to_billing",
    "invoice_billing_to_erp",
    "payment_billing_to_erp",
)


@dataclass(frozen=True, slots=True)
class Frame:
    """What every account of one world shares: seed, knobs and the time span."""

    seed: int
    profile: Profile
    now: datetime
    start: datetime
    end: datetime
    delays: dict[FlowName, tuple[float, float]]

    @classmethod
    def build(cls, seed: int, profile: Profile, now: datetime, horizon: timedelta) -> Frame:
        """The frame of a world spanning [now - history, now + horizon]."""
        delays = {flow: lognormal_params(profile.delays[flow]) for flow in FLOWS}
        return cls(seed, profile, now, now - profile.history, now + horizon, delays)

    @property
    def faults(self) -> DataFaults:
        """The profile's data faults."""
        return self.profile.faults


class Draw:
    """Random choices for one account, from its own stream so accounts are independent."""

    __slots__ = ("bundle", "frame", "index", "rng")

    bundle: AccountBundle
    """Where the account's records go; set once the account itself has been drawn."""

    def __init__(self, frame: Frame, index: int) -> None:
        self.frame = frame
        self.index = index
        # A string seed is hashed with SHA-512, so (seed, index) streams are unrelated and
        # a negative seed does not collide with its absolute value.
        self.rng = random.Random(f"{frame.seed}/{index}")

    def chance(self, share: float) -> bool:
        """True with probability ``share``."""
        return share > 0 and self.rng.random() < share

    def delay(self, flow: FlowName) -> float:
        """A sync delay of ``flow`` in seconds, drawn from the profile's log-normal."""
        mu, sigma = self.frame.delays[flow]
        return self.rng.lognormvariate(mu, sigma)

    def seconds(self, low: float, high: float) -> float:
        """A uniform number of seconds in [low, high)."""
        return low + (high - low) * self.rng.random()

    def pick(self, options: tuple[str, ...], weights: tuple[float, ...]) -> str:
        """One of ``options`` with the given relative ``weights``."""
        return self.rng.choices(options, weights)[0]
