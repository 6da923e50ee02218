"""What reads as raw on a page for people: codes, missing-value markers and unformatted figures.

``raw_findings`` names every such piece of a page's text: a ``_minor`` column, ``None``,
``nan``/``NaN``/``NaT``/``<NA>``, a metric, flow or age-group id, a lowercase system id, any other
``snake_case`` word, a number of seconds of 10⁵ or more, a negative duration, and an amount in
minor units (six or more digits, no separators, beside a currency code or symbol). Web and
e-mail addresses and the dashboard's own links are text a person may legitimately see and are
left out before the words are checked.
"""

from __future__ import annotations

import re
from typing import Final

from core.display import AGE_BUCKET_TITLES, METRIC_TITLES, OBJECT_TITLES, SYSTEM_TITLES
from core.money import is_currency
from metrics.flows import FLOWS

# Ids with an underscore or digit that the generic snake_case rule would not name as such.
KNOWN_IDS: Final = frozenset(
    {*METRIC_TITLES, *FLOWS, *AGE_BUCKET_TITLES, *(k for k in OBJECT_TITLES if "_" in k)}
)
# "middleware" is an ordinary word too; the other systems' ids are not words.
SYSTEM_IDS: Final = frozenset(SYSTEM_TITLES) - {"middleware"}
# Words with an underscore that people legitimately read (none so far: add with a reason).
ALLOWED_WORDS: Final[frozenset[str]] = frozenset()

_ADDRESSES: Final = re.compile(
    r"\b[a-z][a-z0-9+.-]*://\S+"  # a URL
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # an e-mail address
    r"|(?<!\S)[\w./-]*\?\S*=\S*",  # the dashboard's own link (record?system=…&id=…)
    re.IGNORECASE,
)
_KNOWN: Final = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(KNOWN_IDS))) + r")\b")
_SYSTEM: Final = re.compile(r"\b(?:" + "|".join(sorted(SYSTEM_IDS)) + r")\b")
_MINOR: Final = re.compile(r"\w*_minor\w*")
_MISSING: Final = re.compile(r"\b(?:None(?! of\b)|nan|NaN|NaT)\b|<NA>")
_SNAKE: Final = re.compile(r"\b[a-z]+_[a-z_]+\b")
_UNIT: Final = r"(?:s|secs?|seconds?|min|mins|minutes?|h|hrs?|hours?|d|days?|w|weeks?)\b"
_SECONDS: Final = re.compile(r"(?<![\w.,])(\d[\d,]*)(?:\.\d+)?\s?(?:s|secs?|seconds?)\b")
# A minus sign not part of a range or a date (``1-7 days``, ``1 - 7 days``, ``2026-11-20``).
_NEGATIVE: Final = re.compile(r"(?<![\w.,:/])(?<!\d )[-−]\s?\d+(?:\.\d+)?\s?" + _UNIT)
_CODE_THEN_DIGITS: Final = re.compile(r"\b(?P<code>[A-Z]{3})\s?[1-9]\d{5,}\b(?![.,]\d)")
_DIGITS_THEN_CODE: Final = re.compile(r"(?<![\d.,])[1-9]\d{5,}\s?(?P<code>[A-Z]{3})\b")
_SYMBOL_THEN_DIGITS: Final = re.compile(r"[$€£¥]\s?[1-9]\d{5,}\b(?![.,]\d)")
SECONDS_LIMIT: Final = 100_000


def raw_findings(text: str) -> list[str]:
    """Each raw piece of ``text`` as ``"what: piece"``, in order of the rules, once each."""
    words = _ADDRESSES.sub(" ", text)
    known = _KNOWN.findall(words)
    found = [f"minor-unit column: {m}" for m in _MINOR.findall(words)]
    found += [f"missing value: {m}" for m in _MISSING.findall(words)]
    found += [f"id: {m}" for m in known]
    found += [f"system id: {m}" for m in _SYSTEM.findall(words)]
    found += [
        f"snake_case word: {m}"
        for m in _SNAKE.findall(words)
        if m not in known and m not in ALLOWED_WORDS and "_minor" not in m
    ]
    found += [
        f"seconds: {m.group()}"
        for m in _SECONDS.finditer(words)
        if int(m.group(1).replace(",", "")) >= SECONDS_LIMIT
    ]
    found += [f"negative duration: {m.group()}" for m in _NEGATIVE.finditer(words)]
    found += [
        f"minor units: {m.group()}"
        for pattern in (_CODE_THEN_DIGITS, _DIGITS_THEN_CODE)
        for m in pattern.finditer(words)
        if is_currency(m.group("code"))
    ]
    found += [f"minor units: {m.group()}" for m in _SYMBOL_THEN_DIGITS.finditer(words)]
    return list(dict.fromkeys(found))
