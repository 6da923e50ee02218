"""How NetSuite answers: its ``o:errorDetails`` envelope sorted into collector errors."""

from __future__ import annotations

import re

import httpx

from collectors.errors import AuthenticationError, FatalSourceError, RetriableError
from collectors.http import api_message, retry_after_seconds
from core.logs import redact

_UNKNOWN_FIELD = re.compile(r"Field '([^']+)' for record '([^']+)' was not found")
_UNKNOWN_RECORD = re.compile(r"Record '([^']+)' was not found")


def _detail(response: httpx.Response) -> tuple[str, str]:
    """The first error's code and one-line detail (or an excerpt of a body of another shape)."""
    try:
        body = response.json()
    except ValueError:
        return "", api_message(response)
    details = body.get("o:errorDetails") if isinstance(body, dict) else None
    if not isinstance(details, list) or not details or not isinstance(details[0], dict):
        return "", api_message(response)
    first = details[0]
    text = " ".join(str(first.get("detail", "")).split())
    return str(first.get("o:errorCode", "")), redact(text[:300])


def classify(response: httpx.Response) -> None:
    """Raise the collector error a NetSuite response stands for; return for a usable one."""
    status = response.status_code
    if status < 400:
        return
    code, detail = _detail(response)
    if status == 401:
        # Neither TBA nor a configured bearer token can be refreshed, so this is final.
        sentence = detail.split(". ", 1)[0].rstrip(".")
        raise AuthenticationError(f"NetSuite refused the credentials ({code}): {sentence}")
    if status == 429:
        # CONCURRENCY_LIMIT_EXCEEDED comes without Retry-After: the client backs off.
        raise RetriableError(
            f"HTTP 429 {code}: {detail}",
            retry_after=retry_after_seconds(response),
            rate_limited=True,
        )
    if status >= 500:
        raise RetriableError(f"HTTP {status} {code}: {detail}")
    field = _UNKNOWN_FIELD.search(detail)
    if status == 400 and field is not None:
        name, record = field.groups()
        raise FatalSourceError(
            f"schema drift: NetSuite rejected field {name!r} on {record}; it may have been "
            f"renamed or removed ({code})"
        )
    record = _UNKNOWN_RECORD.search(detail)
    if status == 400 and record is not None:
        raise FatalSourceError(
            f"schema drift: NetSuite has no record type {record.group(1)!r} ({code})"
        )
    raise FatalSourceError(f"NetSuite answered HTTP {status} {code}: {detail}")
