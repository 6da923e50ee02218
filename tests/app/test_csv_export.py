"""CSV cells that a spreadsheet would run as formulas are neutralised; numbers stay numbers."""

from __future__ import annotations

import csv
import io

import pandas as pd

from app.csv_export import csv_bytes


def test_formula_cells_are_quoted_and_numbers_kept() -> None:
    frame = pd.DataFrame(
        {
            "assignee": ['=HYPERLINK("http://evil.example","x")', "+1", "-2", "@SUM(A1)", "ok"],
            "error_code": ["\tTAB", "\rCR", None, "E-1", "=1+1"],
            "amount": [-1250, 0, 5, -7, 10],
            "ratio": [-0.5, 0.0, 1.0, 2.5, -3.0],
        }
    )
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8"), newline="")))
    assert rows[0] == ["assignee", "error_code", "amount", "ratio"]
    assert [r[0] for r in rows[1:]] == [
        "'=HYPERLINK(\"http://evil.example\",\"x\")", "'+1", "'-2", "'@SUM(A1)", "ok",
    ]  # fmt: skip
    assert [r[1] for r in rows[1:]] == ["'\tTAB", "'\rCR", "", "E-1", "'=1+1"]
    assert [r[2] for r in rows[1:]] == ["-1250", "0", "5", "-7", "10"]
    assert [r[3] for r in rows[1:]] == ["-0.5", "0.0", "1.0", "2.5", "-3.0"]
