"""Is this HTTP request really from Slack, now, and the first of its kind?

Slack signs every request with the app's signing secret: ``v0=`` HMAC-SHA256 of
``v0:{X-Slack-Request-Timestamp}:{body}``, checked with slack_sdk's ``SignatureVerifier``. A
request without a signature, signed more than five minutes away from now, with a signature
that does not match, or received before (the same timestamp and signature, remembered in
PostgreSQL for the window so every worker agrees) is refused with the reason.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Final

from slack_sdk.signature import SignatureVerifier

from core.database import Database

MAX_AGE_SECONDS: Final = 5 * 60
# Remembered a little longer than a request stays acceptable, whatever the clocks' skew.
FORGET_AFTER_SECONDS: Final = 2 * MAX_AGE_SECONDS


def refusal(
    db: Database,
    verifier: SignatureVerifier,
    body: bytes,
    headers: Mapping[str, str],
) -> str | None:
    """Why this request must be refused, or None when Slack sent it now, for the first time."""
    lowered = {k.lower(): v for k, v in headers.items()}
    stamp = lowered.get("x-slack-request-timestamp")
    signature = lowered.get("x-slack-signature")
    if not stamp or not signature:
        return "unsigned: no X-Slack-Signature and X-Slack-Request-Timestamp headers"
    if not stamp.isdigit():
        return f"malformed: the timestamp {stamp[:20]!r} is not a number of seconds"
    age = time.time() - int(stamp)
    if abs(age) > MAX_AGE_SECONDS:
        return f"stale: signed {abs(int(age))} s {'ago' if age > 0 else 'ahead'} (at most 300 s)"
    if not verifier.is_valid(body=body, timestamp=stamp, signature=signature):
        return "forged: the signature does not match the signing secret"
    if not _first_sight(db, int(stamp), signature):
        return "replayed: this signed request was received before"
    return None


def _first_sight(db: Database, stamp: int, signature: str) -> bool:
    """Remember the request; False when it was already remembered."""
    with db.connection() as conn, conn.transaction():
        conn.execute(
            "DELETE FROM slack_request_seen WHERE seen_at < now() - make_interval(secs => %s)",
            (FORGET_AFTER_SECONDS,),
        )
        row = conn.execute(
            "INSERT INTO slack_request_seen (request_ts, signature) VALUES (%s, %s) "
            "ON CONFLICT DO NOTHING RETURNING true",
            (stamp, signature),
        ).fetchone()
    return row is not None
