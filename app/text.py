"""Text from people and sources shown as text: never Markdown, links, images or directives."""

from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


def plain(value: object) -> str:
    """``value`` as Markdown that renders exactly as the text, on one line.

    Every ASCII punctuation character becomes a numeric character reference, which Markdown
    shows as the character itself but never reads as syntax: no emphasis, link, image, HTML,
    Streamlit directive (``:red[…]``), and no address or URL turned into a link.
    """
    text = " ".join(str(value).split())
    return _PUNCTUATION.sub(lambda m: f"&#{ord(m.group())};", text)
