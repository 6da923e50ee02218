"""CSV downloads a spreadsheet opens as data, never as formulas (OWASP's CSV injection rule)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Final

import pandas as pd  # type: ignore[import-untyped]
from pandas.api.types import is_object_dtype, is_string_dtype  # type: ignore[import-untyped]

from app.queries.core import Frame
from core.money import from_minor

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


def _iso(value: object) -> object:
    if isinstance(value, datetime) and value is not pd.NaT:
        return value.isoformat()
    return value


def _structured(value: object) -> object:
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


def machine_readable(frame: Frame) -> Frame:
    """``frame`` for a CSV download: minor units as a decimal ``amount`` beside the ISO
    ``currency``, instants in ISO 8601, labels and lists as JSON; ids and codes kept whole."""
    out = frame.copy()
    for column in out.columns:
        out[column] = out[column].map(_structured).map(_iso)
    if "amount_minor" in out.columns and "currency" in out.columns:
        out.insert(
            list(out.columns).index("amount_minor"),
            "amount",
            [
                None if pd.isna(a) or not isinstance(c, str) else from_minor(int(a), c)
                for a, c in zip(frame["amount_minor"], frame["currency"], strict=True)
            ],
        )
        out = out.drop(columns=["amount_minor"])
    return out
