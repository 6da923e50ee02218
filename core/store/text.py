"""Text the store can hold: PostgreSQL's text and jsonb refuse U+0000 and lone surrogates.

Such a code point (a NUL escaped as ``\\u0000`` in JSON, a surrogate half from an escape or a
file name that is not UTF-8) is replaced by U+FFFD, the replacement character, and counted;
``collectors.admission`` decides per field whether a record is cleaned this way or quarantined.
Quarantine keeps a bounded excerpt of what it sets aside, so a 5 MB line is never stored whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

REPLACEMENT = "\ufffd"
EXCERPT_CHARS = 16_384
"""The most of a quarantined record's text the quarantine keeps."""

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# How json.dumps (ensure_ascii) writes those code points; a literal backslash before "u0000"
# also matches, which only sends the document to the exact check.
_ESCAPED = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def storable(text: str) -> tuple[str, int]:
    """``text`` with every code point the store refuses replaced by U+FFFD, and how many."""
    return _UNSTORABLE.subn(REPLACEMENT, text)


def unstorable(text: str) -> int:
    """How many code points of ``text`` the store refuses."""
    return len(_UNSTORABLE.findall(text))


def describe_unstorable(text: str) -> str:
    """Names the first refused code point of ``text`` (for a quarantine reason)."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return "no character the store refuses"
    return f"U+{ord(found.group()):04X} at character {found.start():,}"


def clean(text: str | None) -> str | None:
    """``text`` made storable (None stays None)."""
    return None if text is None else storable(text)[0]


def excerpt(text: str, chars: int = EXCERPT_CHARS) -> str:
    """At most ``chars`` characters of ``text``, saying how many more there were."""
    if len(text) <= chars:
        return text
    return f"{text[:chars]}… [{len(text) - chars:,} more characters]"


def as_text(value: object) -> str:
    """A record as the quarantine keeps it: JSON with sorted keys."""
    try:
        return json.dumps(value, default=str, sort_keys=True)
    except RecursionError:
        return "(a document nested too deeply to write out)"


def plainly_storable(document: Any, max_chars: int) -> bool:
    """Whether ``document`` surely holds no string over ``max_chars`` and no refused code point.

    The fast path for the common record: one C-speed dump decides whether the exact (and
    slower) walk of every string is needed. A document nested too deeply to dump is not plain.
    """
    try:
        dumped = json.dumps(document, default=str)
    except RecursionError:
        return False
    return len(dumped) <= max_chars and _ESCAPED.search(dumped) is None


def json_strings(document: Any, name: str) -> Iterator[tuple[str, str]]:
    """Every key and string value in ``document`` with its path (``payload.lines[2].name``).

    Iterative, so a document any depth deep is walked without recursion.
    """
    stack: list[tuple[str, Any]] = [(name, document)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, dict):
            for key, item in value.items():
                key_text = str(key)
                yield f"{path} key", key_text
                stack.append((f"{path}.{key_text[:40]}", item))
        elif isinstance(value, list | tuple):
            stack.extend((f"{path}[{i}]", item) for i, item in enumerate(value))


def storable_json(document: Any) -> Any:
    """``document`` with every key and string made storable (RecursionError when too deep)."""
    if isinstance(document, str):
        return storable(document)[0]
    if isinstance(document, dict):
        return {storable(str(k))[0]: storable_json(v) for k, v in document.items()}
    if isinstance(document, list | tuple):
        return [storable_json(item) for item in document]
    return document
