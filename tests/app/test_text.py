"""Ingested and typed strings render as the text itself: no link, image, emphasis or HTML."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from app.text import plain

HOSTILE = [
    "[click](http://evil.example/)",
    "![pixel](http://evil.example/p.png)",
    "<img src=x onerror=alert(1)>",
    "**bold** _it_ `code` ~~gone~~",
    "# heading",
    "- item",
    "1. item",
    "> quote",
    ":red[alarm] :material/warning: $x^2$",
    "http://evil.example/ <http://evil.example/>",
    "back\\slash [x]: http://evil.example/",
    "line\nbreak\r\n\ttab",
    "ada@example.com www.example.com",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_text_renders_as_itself(text: str) -> None:
    html = MarkdownIt("commonmark").render(plain(text)).replace("\u2060", "")
    assert html == f"<p>{_html_text(' '.join(text.split()))}</p>\n"


def _html_text(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )
