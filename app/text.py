"""Text from people and sources shown as text: never Markdown, links, images or directives."""

from __future__ import annotations

import re

# CommonMark lets a backslash escape any ASCII punctuation; escaping all of it leaves no link,
# image, emphasis, HTML, autolink or Streamlit directive (``:red[…]``, ``:material/…:``).
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def plain(value: object) -> str:
    """``value`` as Markdown that renders exactly as the text, on one line."""
    text = " ".join(str(value).split())
    return _PUNCTUATION.sub(r"\\\1", text)
