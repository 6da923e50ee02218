"""Stripe list semantics: parameter parsing, ``created`` ranges and cursor pagination.

Objects are listed newest first (``created`` descending, ties by id descending). A listing keeps
its records sorted ascending by ``(created, id)`` so a page is found by bisection instead of a
scan, which keeps deep pagination over a large world cheap.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from starlette.datastructures import QueryParams

T = TypeVar("T")
Key = tuple[int, str]

_RANGE_KEY = re.compile(r"^created\[(gt|gte|lt|lte)\]$")
_INDEXED = re.compile(r"^(?P<name>[a-z_]+)\[(?P<index>\d*)\]$")
_NEVER = 2**63


class StripeRequestError(Exception):
    """A request Stripe would refuse; rendered as Stripe's error object."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.code = code
        self.param = param


def check_known(params: QueryParams, allowed: frozenset[str]) -> None:
    """Refuse parameters the endpoint does not take, as Stripe does."""
    for key in params:
        if key.split("[", 1)[0] not in allowed:
            raise StripeRequestError(400, f"Received unknown parameter: {key}", param=key)


def parse_int(params: QueryParams, key: str) -> int | None:
    """An integer parameter, or None when absent."""
    raw = params.get(key)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise StripeRequestError(400, f"Invalid integer: {raw}", param=key) from None


def parse_limit(params: QueryParams) -> int:
    """``limit``: 1..100, default 10."""
    limit = parse_int(params, "limit")
    if limit is None:
        return 10
    if limit < 1:
        raise StripeRequestError(
            400, "This value must be greater than or equal to 1.", param="limit"
        )
    if limit > 100:
        raise StripeRequestError(
            400, "This value must be less than or equal to 100.", param="limit"
        )
    return limit


def list_param(params: QueryParams, name: str) -> list[str]:
    """An array parameter sent as ``name[]=a&name[]=b`` or indexed ``name[0]=a&name[1]=b``."""
    indexed: list[tuple[int, str]] = []
    plain: list[str] = []
    for key, value in params.multi_items():
        match = _INDEXED.match(key)
        if match is None or match["name"] != name:
            continue
        if match["index"]:
            indexed.append((int(match["index"]), value))
        else:
            plain.append(value)
    return [v for _, v in sorted(indexed)] + plain


@dataclass(frozen=True, slots=True)
class CreatedRange:
    """An inclusive range of unix seconds on ``created``."""

    low: int = -_NEVER
    high: int = _NEVER

    @classmethod
    def parse(cls, params: QueryParams) -> CreatedRange:
        """``created=<int>`` or ``created[gt|gte|lt|lte]=<int>``."""
        low, high = -_NEVER, _NEVER
        exact = parse_int(params, "created")
        if exact is not None:
            low = high = exact
        for key in params:
            match = _RANGE_KEY.match(key)
            if match is None:
                continue
            value = parse_int(params, key)
            assert value is not None
            op = match[1]
            if op == "gt":
                low = max(low, value + 1)
            elif op == "gte":
                low = max(low, value)
            elif op == "lt":
                high = min(high, value - 1)
            else:
                high = min(high, value)
        return cls(low, high)

    def narrowed(self, low: int, high: int) -> CreatedRange:
        """This range intersected with ``[low, high]``."""
        return CreatedRange(max(self.low, low), min(self.high, high))


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list, newest first."""

    items: list[T]
    has_more: bool


class Listing(Generic[T]):
    """Records of one kind sorted by ``(created, id)``, paged the way Stripe pages lists."""

    def __init__(self, records: list[T], key: Callable[[T], Key]) -> None:
        pairs = sorted(((key(r), r) for r in records), key=lambda p: p[0])
        self._keys = [k for k, _ in pairs]
        self._records = [r for _, r in pairs]
        self._by_id = {k[1]: k for k in self._keys}

    def key_of(self, record_id: str, visible: CreatedRange) -> Key | None:
        """The sort key of a record if it exists within ``visible``."""
        k = self._by_id.get(record_id)
        return k if k is not None and visible.low <= k[0] <= visible.high else None

    def page(
        self,
        created: CreatedRange,
        limit: int,
        keep: Callable[[T], bool],
        *,
        starting_after: Key | None = None,
        ending_before: Key | None = None,
    ) -> Page[T]:
        """The ``limit`` records kept by ``keep`` in range, after/before a cursor key."""
        lo = bisect_left(self._keys, (created.low, ""))
        hi = bisect_left(self._keys, (created.high + 1, ""))
        if starting_after is not None:
            hi = min(hi, bisect_left(self._keys, starting_after))
        if ending_before is not None:
            lo = max(lo, bisect_right(self._keys, ending_before))
            # Going back: the ``limit`` oldest records newer than the cursor, shown newest first.
            found = self._take(range(lo, hi), keep, limit + 1)
            return Page(list(reversed(found[:limit])), len(found) > limit)
        found = self._take(range(hi - 1, lo - 1, -1), keep, limit + 1)
        return Page(found[:limit], len(found) > limit)

    def _take(self, indexes: range, keep: Callable[[T], bool], count: int) -> list[T]:
        found: list[T] = []
        for i in indexes:
            record = self._records[i]
            if keep(record):
                found.append(record)
                if len(found) == count:
                    break
        return found
