"""Reading Salesforce field values: its datetime format, website hosts, and SOQL literals."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

from core.errors import RecordError

_WIRE_FORMAT = "%Y-%m-%dT%H:%M:%S.%f%z"


def parse_datetime(value: object) -> datetime:
    """A Salesforce datetime (``2026-11-20T10:00:00.000+0000``) as an aware UTC instant."""
    if not isinstance(value, str):
        raise RecordError(f"datetime {value!r} is not a string")
    try:
        return datetime.strptime(value, _WIRE_FORMAT).astimezone(UTC)
    except ValueError:
        raise RecordError(f"datetime {value!r} is not in Salesforce's format") from None


def optional_datetime(value: object) -> datetime | None:
    """Like :func:`parse_datetime`, but a null stays None."""
    return None if value is None else parse_datetime(value)


def soql_datetime(instant: datetime) -> str:
    """An unquoted SOQL datetime literal in UTC with milliseconds."""
    utc = instant.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def soql_string(value: str) -> str:
    """A quoted SOQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def website_domain(website: object) -> str | None:
    """The bare host of a website (lowercase, no scheme, ``www.``, port or path), or None."""
    if website is None:
        return None
    if not isinstance(website, str):
        raise RecordError(f"website {website!r} is not a string")
    text = website.strip().lower()
    if not text:
        return None
    # Without a scheme urlsplit reads the host as a path; "//" makes it the network location.
    try:
        host = urlsplit(text if "://" in text else f"//{text}").hostname or ""
    except ValueError:
        raise RecordError(f"website {website!r} is not a URL") from None
    host = host.removeprefix("www.").strip(".")
    return host or None
