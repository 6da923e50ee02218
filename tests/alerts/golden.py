"""Golden files: rendered output compared with tests/fixtures/golden, regenerated on purpose."""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path

import pytest

from alerts.slack import SlackPayload

GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "golden"


def assert_golden(filename: str, actual: str) -> None:
    """Compare with tests/fixtures/golden/<filename>; UPDATE_GOLDEN=1 rewrites it."""
    path = GOLDEN / filename
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8") if path.exists() else ""
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                f"golden/{filename}",
                "rendered",
            )
        )
        pytest.fail(f"{filename} differs from its golden file (UPDATE_GOLDEN=1 to accept):\n{diff}")


def block_kit_json(payload: SlackPayload) -> str:
    """A Slack payload as the stable JSON its golden file holds."""
    return json.dumps(payload.as_dict(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
