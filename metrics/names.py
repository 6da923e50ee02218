"""Fuzzy company-name matching at scale: blocking keys, then rapidfuzz within each block.

Comparing every unlinked account with every candidate customer is quadratic (50k × 1M is 5e10
pairs), so names are compared only within blocks: names sharing a word, a pair of adjacent
words, or their first four letters. A key shared by more than ``MAX_BLOCK`` customers (a common
word such as "systems") is skipped, because a name that close to that many others is better
served by its rarer keys; a match then needs one key rarer than that, which every name with a
typo in one word of several still has.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process

FUZZY_CUTOFF = 85.0
"""token_sort_ratio (0-100) a pair needs to be suggested."""
MAX_BLOCK = 5000
"""Most customers a blocking key may name before it is too common to block on."""
PREFIX_LETTERS = 4
# cdist holds |accounts| × |customers| float32 scores; chunking the accounts of a block keeps that
# below 20 MB however many accounts share a key.
_ROW_CHUNK = 1000
# Spreading a block over threads pays only when the block is large.
_PARALLEL_PAIRS = 50_000

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class FuzzyMatches:
    """Scored pairs as parallel arrays of account index, customer index and ratio (0-100)."""

    account: IntArray
    customer: IntArray
    ratio: npt.NDArray[np.float32]

    def __len__(self) -> int:
        return len(self.account)


def sorted_words(norm: str) -> str:
    """The name's words in sorted order: token_sort_ratio is the plain ratio of two of these.

    Sorting each name once, rather than once per pair inside token_sort_ratio, makes scoring a
    block two to three times faster with the same scores.
    """
    return " ".join(sorted(norm.split()))


def block_keys(norm: str) -> set[str]:
    """The keys a normalised name is blocked under: words, adjacent word pairs, first letters."""
    words = norm.split()
    keys = {w for w in words if len(w) > 1}
    keys.update(f"{a} {b}" for a, b in pairwise(words))
    keys.add("^" + norm.replace(" ", "")[:PREFIX_LETTERS])
    return keys


def name_blocks(
    accounts: Sequence[str], customers: Sequence[str]
) -> list[tuple[IntArray, IntArray]]:
    """(account indices, customer indices) sharing a blocking key, for keys not too common."""
    by_key: dict[str, list[int]] = {}
    for i, norm in enumerate(accounts):
        for key in block_keys(norm):
            by_key.setdefault(key, []).append(i)
    # Only keys some account has are collected; most customers' words are nobody's concern.
    # A key is dropped the moment it grows past the cap, so common words cost one failed
    # lookup per name from then on rather than an ever-growing list.
    open_keys: dict[str, list[int]] = {key: [] for key in by_key}
    for j, norm in enumerate(customers):
        for key in block_keys(norm):
            found = open_keys.get(key)
            if found is not None:
                found.append(j)
                if len(found) > MAX_BLOCK:
                    del open_keys[key]
    return [
        (np.asarray(by_key[key], dtype=np.int64), np.asarray(found, dtype=np.int64))
        for key, found in open_keys.items()
        if found
    ]


def _best_per_row(
    scores: npt.NDArray[np.float32], keep: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """(row, column) of the cells at or above their row's ``keep``-th best score (ties kept).

    Cells under the cutoff score 0 and are never kept. The few scoring cells are ranked
    alone, which is much cheaper than partitioning every row of the block.
    """
    r, c = np.nonzero(scores)
    if len(r) == 0:
        return r, c
    s = scores[r, c]
    order = np.lexsort((-s, r))
    r, c, s = r[order], c[order], s[order]
    starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]])
    counts = np.diff(np.r_[starts, len(r)])
    kth = s[starts + np.minimum(counts, keep) - 1]
    chosen = s >= np.repeat(kth, counts)
    return r[chosen], c[chosen]


def _score(
    blocks: list[tuple[IntArray, IntArray]],
    accounts: Sequence[str],
    customers: Sequence[str],
    keep: int,
) -> FuzzyMatches:
    """The best ``keep`` pairs of each account in each block; names are in sorted_words form."""
    found_a: list[IntArray] = []
    found_c: list[IntArray] = []
    found_r: list[npt.NDArray[np.float32]] = []
    for account_ids, customer_ids in blocks:
        choices = [customers[j] for j in customer_ids]
        for start in range(0, len(account_ids), _ROW_CHUNK):
            rows = account_ids[start : start + _ROW_CHUNK]
            big = len(rows) * len(choices) >= _PARALLEL_PAIRS
            scores = process.cdist(
                [accounts[i] for i in rows],
                choices,
                scorer=fuzz.ratio,
                score_cutoff=FUZZY_CUTOFF,
                dtype=np.float32,
                workers=-1 if big else 1,
            )
            # An account's best few over all blocks are among its best few in each block, so
            # the rest of a block (similar numbers in a crowded name) can go at once.
            r, c = _best_per_row(scores, keep)
            if len(r):
                found_a.append(rows[r])
                found_c.append(customer_ids[c])
                found_r.append(scores[r, c])
    if not found_a:
        empty = np.empty(0, dtype=np.int64)
        return FuzzyMatches(empty, empty, np.empty(0, dtype=np.float32))
    return FuzzyMatches(np.concatenate(found_a), np.concatenate(found_c), np.concatenate(found_r))


def fuzzy_matches(
    accounts: Sequence[str],
    customers: Sequence[str],
    *,
    per_account: int,
    excluded: Collection[tuple[int, int]] = (),
) -> FuzzyMatches:
    """Each account's best ``per_account`` customers by token_sort_ratio ≥ ``FUZZY_CUTOFF``.

    Names are already normalised. ``excluded`` (account index, customer index) pairs are
    dropped before ranking, so a rejected pair never takes the place of another candidate.
    Within an account, ties go to the lower customer index.
    """
    # Keeping that many more per block leaves room for every pair an account excluded.
    most_excluded = max(Counter(a for a, _ in excluded).values(), default=0)
    blocks = name_blocks(accounts, customers)
    scored = _score(
        blocks,
        [sorted_words(n) for n in accounts],
        [sorted_words(n) for n in customers],
        per_account + most_excluded,
    )
    if not len(scored):
        return scored
    width = np.int64(len(customers))
    pair = scored.account * width + scored.customer
    # A pair found through several shared keys has the same score each time: keep one.
    _, first = np.unique(pair, return_index=True)
    keep = np.zeros(len(pair), dtype=bool)
    keep[first] = True
    if excluded:
        banned = np.fromiter((a * int(width) + c for a, c in excluded), dtype=np.int64)
        keep &= ~np.isin(pair, banned)
    account, customer, ratio = scored.account[keep], scored.customer[keep], scored.ratio[keep]
    order = np.lexsort((customer, -ratio, account))
    account, customer, ratio = account[order], customer[order], ratio[order]
    starts = np.flatnonzero(np.r_[True, account[1:] != account[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(account)]))
    top = np.arange(len(account)) - group_start < per_account
    return FuzzyMatches(account[top], customer[top], ratio[top])
