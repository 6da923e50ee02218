"""CSV downloads a spreadsheet opens as data, never as formulas (OWASP's CSV injection rule)."""

from __future__ import annotations

from typing import Final

from pandas.api.types import is_object_dtype, is_string_dtype  # type: ignore[import-untyped]

from app.queries.core import Frame

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would read as a formula, prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(frame: Frame) -> bytes:
    """``frame`` as UTF-8 CSV with CRLF rows (RFC 4180, so a CR inside a cell is quoted);
    numbers stay numbers, text cells are neutralised."""
    text_columns = [
        c for c in frame.columns if is_object_dtype(frame[c]) or is_string_dtype(frame[c])
    ]
    safe = frame.copy()
    for column in text_columns:
        safe[column] = safe[column].map(neutralise)
    return bytes(safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8"))
