"""Deterministic, order-independent choices: the same seed and key always decide the same way."""

from __future__ import annotations

import hashlib


def unit_interval(seed: int, *key: str) -> float:
    """A number in [0, 1) fixed by ``seed`` and ``key``, uniform across keys."""
    digest = hashlib.blake2b("\x1f".join((str(seed), *key)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def chosen(seed: int, share: float, *key: str) -> bool:
    """Whether the item named by ``key`` falls in the chosen ``share`` for this seed."""
    return share > 0 and unit_interval(seed, *key) < share


def malformed(seed: int, share: float, system: str, object_type: str, record_id: str) -> bool:
    """Whether a simulator renders this record unparseable (the manifest lists the same ones)."""
    return chosen(seed, share, "malformed", system, object_type, record_id)
