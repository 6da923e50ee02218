"""Middleware log lines for one item of one flow: attempts, retries, failures and replays."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sandbox.draw import FLOWS, Draw
from sandbox.ids import correlation_id
from sandbox.model import FlowName, LogEvent, LogStatus
from sandbox.timeline import millis

# Codes and messages as NetSuite's REST API and Stripe's API return them.
_MESSAGES = {
    "CONCURRENCY_LIMIT_EXCEEDED": "Concurrent request limit exceeded. Request blocked.",
    "UNEXPECTED_ERROR": "An unexpected error occurred. Error ID: {ref}",
    "INSUFFICIENT_PERMISSION": (
        "Permission Violation: You need the 'Transactions -> Invoice' permission to access "
        "this page. Please contact your account administrator."
    ),
    "INVALID_KEY_OR_REF": "Invalid entity reference key {key} for subsidiary 1.",
    "DUP_RCRD": "This record already exists",
    "rate_limit": (
        "Too many requests hit the API too quickly. We recommend an exponential backoff of "
        "your requests."
    ),
    "lock_timeout": (
        "This object cannot be accessed right now because another API request or Stripe "
        "process is currently accessing it."
    ),
    "resource_missing": "No such subscription: '{ref}'",
    "parameter_invalid_integer": "Invalid integer: {key}",
}
TRANSIENT = {
    "netsuite": ("CONCURRENCY_LIMIT_EXCEEDED", "UNEXPECTED_ERROR"),
    "stripe": ("rate_limit", "lock_timeout"),
}
PERMANENT = {
    "netsuite": ("INVALID_KEY_OR_REF", "INSUFFICIENT_PERMISSION", "UNEXPECTED_ERROR", "DUP_RCRD"),
    "stripe": ("resource_missing", "parameter_invalid_integer"),
}
_SYSTEM_OF_FLOW = {
    "account_crm_to_erp": ("salesforce", "netsuite"),
    "account_crm_to_billing": ("salesforce", "stripe"),
    "amendment_crm_to_billing": ("salesforce", "stripe"),
    "invoice_billing_to_erp": ("stripe", "netsuite"),
    "payment_billing_to_erp": ("stripe", "netsuite"),
}


@dataclass(frozen=True, slots=True)
class Attempt:
    """One planned processing attempt: when, with what outcome and which error."""

    ts: datetime
    status: LogStatus
    error_code: str | None = None


def failures_between(draw: Draw, source: datetime, target: datetime, count: int) -> list[datetime]:
    """Up to ``count`` distinct millisecond instants strictly between source and target."""
    span = (target - source).total_seconds()
    if span < 2 or count <= 0:
        return []
    fractions = sorted(draw.seconds(0.05, 0.9) for _ in range(count))
    return sorted({millis(source + timedelta(seconds=span * f)) for f in fractions})


def retry_schedule(draw: Draw, start: datetime, count: int) -> list[datetime]:
    """``count`` attempt instants from ``start``: a pickup delay, then exponential backoff."""
    at = start + timedelta(seconds=draw.seconds(1, 120))
    times = []
    for attempt in range(count):
        times.append(millis(at))
        at += timedelta(seconds=30 * 4**attempt * draw.seconds(0.8, 1.2))
    return times


def failed_run(
    draw: Draw,
    target_system: str,
    times: Sequence[datetime],
    last: LogStatus,
    code: str | None = None,
) -> list[Attempt]:
    """Attempts at ``times``: transient retries, the last one ending as ``last`` (with ``code``)."""
    transient = TRANSIENT[target_system]
    attempts = [Attempt(t, "retrying", draw.pick(transient, (3, 1))) for t in times[:-1]]
    if code is None:
        code = draw.rng.choice(PERMANENT[target_system] if last == "failed" else transient)
    attempts.append(Attempt(times[-1], last, code))
    return attempts


def succeed(
    draw: Draw,
    flow: FlowName,
    item: int,
    ids: tuple[str, str],
    times: tuple[datetime, datetime],
    target_system: str,
    failures: Sequence[Attempt] = (),
) -> None:
    """Log the run that wrote target ``ids[1]`` at ``times[1]`` for source ``ids[0]`` (whose
    event happened at ``times[0]``); without planned failures, a few runs needed a retry."""
    source_id, target_id = ids
    source_time, written = times
    if not failures and draw.chance(0.05):
        between = failures_between(draw, source_time, written, draw.rng.randint(1, 2))
        failures = [
            Attempt(t, "retrying", draw.rng.choice(TRANSIENT[target_system])) for t in between
        ]
    emit(draw, flow, item, source_id, target_id, [*failures, Attempt(written, "success")])


def emit(
    draw: Draw,
    flow: FlowName,
    item: int,
    source_id: str,
    target_id: str | None,
    attempts: Sequence[Attempt],
    run: int = 0,
) -> None:
    """Append the log lines of ``attempts`` (one correlation id per run) to the bundle."""
    if not attempts:
        return
    source_system, target_system = _SYSTEM_OF_FLOW[flow]
    correlation = correlation_id(draw.frame.seed, draw.index, FLOWS.index(flow), item, run)
    share = draw.frame.faults.duplicate_log_lines
    lines = draw.bundle.log_events
    for number, attempt in enumerate(attempts, start=1):
        code = attempt.error_code
        message = None
        if code is not None:
            message = _MESSAGES[code].format(
                ref=_reference(draw, code, target_id), key=draw.rng.randrange(1000, 99999)
            )
        event = LogEvent(
            ts=attempt.ts,
            flow=flow,
            correlation_id=correlation,
            source_system=source_system,
            source_id=source_id,
            target_system=target_system,
            target_id=target_id if attempt.status == "success" else None,
            status=attempt.status,
            attempt=number,
            error_code=code,
            error_message=message,
            duration_ms=_duration_ms(draw, attempt),
        )
        lines.append(event)
        if draw.chance(share):
            # An exact replay: a shipper that re-sent a batch writes the same line again.
            lines.append(event)


def _reference(draw: Draw, code: str, target_id: str | None) -> str:
    if code == "resource_missing":
        return target_id or "sub_unknown"
    return f"{draw.rng.getrandbits(64):016x}"


def _duration_ms(draw: Draw, attempt: Attempt) -> int:
    if (
        attempt.error_code in ("UNEXPECTED_ERROR", "lock_timeout")
        or attempt.status == "dead_letter"
    ):
        return int(draw.seconds(5_000, 30_000))
    if attempt.status == "success":
        return int(draw.rng.lognormvariate(6.0, 0.6))
    return int(draw.seconds(40, 400))
