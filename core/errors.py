"""Errors that end a command with one clear line and a non-zero exit code."""

from __future__ import annotations


class SyncwatchError(Exception):
    """Base of the errors a command reports as one line (never a traceback)."""

    exit_code = 1


class DatabaseUnavailableError(SyncwatchError):
    """The PostgreSQL server cannot be reached."""


class NotMigratedError(SyncwatchError):
    """The database schema is older than this version of syncwatch."""


class RecordError(SyncwatchError):
    """One record is unreadable; ``missing_field`` names a field absent from it (schema drift)."""

    def __init__(self, message: str, *, missing_field: str | None = None):
        super().__init__(message)
        self.missing_field = missing_field
