"""``syncwatch sandbox manifest`` prints the generator's ground truth as a JSON document."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sandbox.generator import WorldSpec
from sandbox.manifest import build_manifest
from sandbox.profile import load_profile


def syncwatch(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "syncwatch", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_manifest_command_matches_the_generator(repo_root: Path) -> None:
    result = syncwatch(
        "--now", "2026-11-20T12:00:00Z", "sandbox", "manifest", "--seed", "5", "--accounts", "40",
        cwd=repo_root,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    profile = load_profile("default").model_copy(update={"accounts": 40})
    expected = build_manifest(WorldSpec(5, profile, datetime(2026, 11, 20, 12, tzinfo=UTC)))
    assert printed == json.loads(json.dumps(expected))
    assert {"metrics", "exceptions", "evaluated_at"} <= printed.keys()


def test_unknown_profile_is_one_line(repo_root: Path) -> None:
    result = syncwatch("sandbox", "manifest", "--profile", "no-such-profile", cwd=repo_root)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: --profile: 'no-such-profile' is neither a built-in profile nor a file"
    ]
