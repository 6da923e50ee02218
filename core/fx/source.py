"""Reading reference rates from a file or an http(s) URL, in whichever ECB format it holds."""

from __future__ import annotations

from pathlib import Path

import httpx

from core.fx.ecb_csv import parse_ecb_csv
from core.fx.ecb_xml import parse_ecb_xml
from core.fx.rates import FxError, RateTable

TIMEOUT_SECONDS = 30.0
_BOM = b"\xef\xbb\xbf"


def is_url(source: str) -> bool:
    """Whether ``source`` names an http(s) URL rather than a file."""
    return source.lower().startswith(("http://", "https://"))


def read_source(source: str, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """The bytes of the file or http(s) URL ``source``."""
    if is_url(source):
        try:
            response = httpx.get(source, timeout=timeout, follow_redirects=True)
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            raise FxError(
                source, f"cannot be fetched ({reason})", "check the address and the network"
            ) from None
        if response.status_code != httpx.codes.OK:
            raise FxError(source, f"answered HTTP {response.status_code} {response.reason_phrase}")
        return response.content
    if "://" in source:
        raise FxError(source, "only a file path or an http(s) URL can be read")
    try:
        return Path(source).expanduser().read_bytes()
    except FileNotFoundError:
        raise FxError(source, "no such file", "check the path") from None
    except OSError as exc:
        raise FxError(source, f"cannot be read ({exc.strerror or exc})") from None


def parse_rates(data: bytes, origin: str) -> RateTable:
    """The rates in ``data``: ECB XML when it starts with ``<``, else ECB CSV."""
    body = data.removeprefix(_BOM).lstrip()
    if body.startswith(b"<"):
        return parse_ecb_xml(data, origin)
    try:
        text = data.removeprefix(_BOM).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FxError(origin, f"is not UTF-8 text (byte {exc.start})") from None
    if not text.lstrip().startswith("Date"):
        raise FxError(
            origin, "is neither ECB XML (gesmes:Envelope) nor ECB CSV (a Date, USD, … header)"
        )
    return parse_ecb_csv(text, origin)
