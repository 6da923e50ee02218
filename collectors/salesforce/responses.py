"""How Salesforce answers: the error array sorted into collector errors, and the usage header."""

from __future__ import annotations

import re
from typing import Any

import httpx

from collectors import telemetry
from collectors.errors import (
    AuthenticationError,
    DailyLimitError,
    FatalSourceError,
    RetriableError,
    TokenExpiredError,
)
from collectors.http import api_message
from core.logs import redact

_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")
_NO_SUCH_COLUMN = re.compile(r"No such column '([^']+)' on entity '([^']+)'")
_BAD_FILTER = re.compile(r"value of filter criterion for field '([^']+)'")
_QUERY_CODES = ("INVALID_FIELD", "MALFORMED_QUERY", "INVALID_TYPE")


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _one_line(text: str, limit: int = 200) -> str:
    # Salesforce repeats the whole query with a caret under the bad token; the last line says why.
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return redact(lines[-1][:limit] if lines else "")


def _query_refused(code: str, message: str) -> str:
    column = _NO_SUCH_COLUMN.search(message)
    if column is not None:
        field, entity = column.groups()
        return (
            f"schema drift: Salesforce rejected field {field!r} on {entity}; it may have been "
            f"renamed or removed ({code}: {_one_line(message)})"
        )
    bad_filter = _BAD_FILTER.search(message)
    if bad_filter is not None:
        return (
            f"schema drift: Salesforce rejected field {bad_filter.group(1)!r}; its type may have "
            f"changed ({code}: {_one_line(message)})"
        )
    return f"Salesforce refused the query ({code}): {_one_line(message)}"


class SalesforceResponses:
    """Classifies every response and remembers the latest ``Sforce-Limit-Info`` reading."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.usage: dict[str, int] | None = None

    def classify(self, response: httpx.Response) -> None:
        """Record API usage, then raise the collector error the response stands for."""
        self._read_usage(response)
        status = response.status_code
        if status < 400:
            return
        body = _body(response)
        if isinstance(body, dict) and "error" in body:
            # The token endpoint speaks OAuth's error shape, not the REST error array.
            description = redact(str(body.get("error_description", ""))[:200])
            raise AuthenticationError(
                f"Salesforce refused the login ({body['error']}): {description}"
            )
        first = body[0] if isinstance(body, list) and body and isinstance(body[0], dict) else {}
        code = str(first.get("errorCode", ""))
        message = str(first.get("message", "")) or api_message(response)
        if status == 401:
            raise TokenExpiredError(f"HTTP 401 {code}: {_one_line(message)}")
        if status == 403 and code == "REQUEST_LIMIT_EXCEEDED":
            raise self._limit_exceeded(message)
        if status >= 500:
            raise RetriableError(f"HTTP {status} {code}: {_one_line(message)}")
        if status == 400 and code in _QUERY_CODES:
            raise FatalSourceError(_query_refused(code, message))
        raise FatalSourceError(f"Salesforce answered HTTP {status} {code}: {_one_line(message)}")

    def _limit_exceeded(self, message: str) -> Exception:
        if "TotalRequests" in message:
            used = f" ({self.usage['used']}/{self.usage['limit']} used)" if self.usage else ""
            return DailyLimitError(
                f"Salesforce daily API request limit reached{used}: {_one_line(message)} "
                "Polling resumes when the rolling 24 h window frees requests."
            )
        # ConcurrentRequests (and any other short-term refusal) clears once requests finish.
        return RetriableError(
            f"HTTP 403 REQUEST_LIMIT_EXCEEDED: {_one_line(message)}", rate_limited=True
        )

    def _read_usage(self, response: httpx.Response) -> None:
        match = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
        if match is None:
            return
        used, limit = int(match.group(1)), int(match.group(2))
        self.usage = {"used": used, "limit": limit}
        if limit:
            telemetry.API_USAGE.labels(self.source).set(used / limit)
