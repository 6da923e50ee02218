"""Logging set-up with secret redaction applied to every record, whoever logs it."""

from __future__ import annotations

import logging
import threading

from core.redaction import mask_secrets, mask_url

_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret value so no log line can carry it."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret masked."""
    with _lock:
        secrets = tuple(_secrets)
    return mask_secrets(text, secrets)


class RedactingFilter(logging.Filter):
    """Masks registered secrets and URL credentials in the final message of a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = redact(record.getMessage())
        if "://" in message:
            message = " ".join(mask_url(w) if "://" in w else w for w in message.split(" "))
        record.msg, record.args = message, None
        return True


def configure_logging(level: int = logging.INFO) -> None:
    """Log to stderr in one line per event, with redaction on the handler."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "alembic", "urllib3", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
