"""Text from people and sources shown as text: never Markdown, links, images or directives."""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
# Streamlit turns anything that looks like a URL, a www. host or an address into a link after
# parsing, escaped or not; an invisible word joiner after these characters keeps it text.
_LINK_JOINTS = frozenset(":.@/")
_WORD_JOINER = "\u2060"


def plain(value: object) -> str:
    """``value`` as Markdown that renders exactly as the text, on one line.

    Every ASCII punctuation character becomes a numeric character reference, which Markdown
    shows as the character itself but never reads as syntax: no emphasis, link, image, HTML or
    Streamlit directive (``:red[…]``); and no address or URL is turned into a link.
    """
    text = " ".join(str(value).split())
    return _PUNCTUATION.sub(_reference, text)


def _reference(match: re.Match[str]) -> str:
    char = match.group()
    return f"&#{ord(char)};" + (_WORD_JOINER if char in _LINK_JOINTS else "")
