"""The collectors' kinds of failure.

- ``FatalSourceError``: bad credentials, a 4xx the API will repeat, a configuration problem.
  The stream stops and the source is marked unhealthy with the error's one-line reason.
- ``RetriableError``: 429, 5xx, a timeout or a dropped connection. Only the shared HTTP client
  retries, with backoff that honours ``Retry-After``; when retries run out the request becomes
  a ``SourceUnreachableError`` (fatal).
- ``core.errors.RecordError``: one record cannot be read. It is quarantined with the reason
  and the run goes on. It lives in the kernel because money parsing raises it too.
- ``SchemaDriftError``: a field is missing from so many records of a page that the source's
  schema, not one record, changed. The runner keeps it on the stream's outcome: the rows that
  could be read are stored, the run is partial and the source unhealthy.
- ``PollStoppedError``: the process is stopping. Retry waits end at once and no further
  request or page is started; committed pages stay, the run is recorded partial with the
  reason, and the source's health is left as it was.
"""

from __future__ import annotations

from core.errors import RecordError, SyncwatchError


class CollectorError(SyncwatchError):
    """Base of every collector failure."""


class FatalSourceError(CollectorError):
    """The stream cannot go on; the source is unhealthy until a later run succeeds."""


class AuthenticationError(FatalSourceError):
    """The source refused our credentials."""


class SourceUnreachableError(FatalSourceError):
    """Retries ran out: the API is down, overloaded or unreachable."""


class DailyLimitError(FatalSourceError):
    """The source's rolling request allocation is spent; polling waits until it rolls."""


class BudgetExhaustedError(CollectorError):
    """This poll spent its configured request budget; the next poll resumes where it stopped."""


class LoopDetectedError(FatalSourceError):
    """The API handed back a page token it had already given: paging would never end."""


class RetriableError(CollectorError):
    """A transient failure worth retrying (after ``retry_after`` seconds when the API says)."""

    def __init__(
        self, message: str, *, retry_after: float | None = None, rate_limited: bool = False
    ):
        super().__init__(message)
        self.retry_after = retry_after
        self.rate_limited = rate_limited


class PollStoppedError(CollectorError):
    """The process is stopping: the poll ends after its last committed page."""


class TokenExpiredError(CollectorError):
    """The access token was refused; the client refreshes it once and retries."""


class SchemaDriftError(RecordError):
    """Records of a stream lack a field they used to have (renamed or removed at the source)."""

    def __init__(self, stream: str, object_type: str, field: str, count: int, size: int):
        super().__init__(
            f"schema drift: field {field!r} is missing from {count} of {size} "
            f"{object_type} records of {stream}",
            missing_field=field,
        )
