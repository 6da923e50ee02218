"""Keep secrets out of anything a person or a log file will see."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

MASK = "****"
_QUERY_SECRET = re.compile(
    r"(?i)([?&](?:access_token|token|api_key|apikey|key|secret|password|signature|sig)=)[^&#\s]+"
)


def mask_url(url: str) -> str:
    """Hide the password of a URL and any secret-looking query parameter."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return MASK
    netloc = parts.netloc
    if parts.password:
        netloc = netloc.replace(f":{parts.password}@", f":{MASK}@", 1)
    masked = urlunsplit(parts._replace(netloc=netloc))
    return _QUERY_SECRET.sub(lambda m: m.group(1) + MASK, masked)


def mask_secrets(text: str, secrets: Iterable[str]) -> str:
    """Replace every occurrence of each known secret value (4+ characters) in ``text``."""
    for secret in sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
