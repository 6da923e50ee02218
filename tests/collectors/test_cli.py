"""``syncwatch collect --once`` and ``syncwatch sources status`` against the sandbox."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.database import Database
from testkit.running_sandbox import NOW, running_sandbox
from testkit.sandbox_settings import sandbox_settings


def test_collect_once_then_sources_status(
    db: Database, tmp_path: Path, repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_sandbox(tmp_path) as sandbox:
        sandbox_settings(sandbox, tmp_path, monkeypatch)
        env = {
            **os.environ,
            "DATABASE_URL": db.url,
            "SYNCWATCH_CONFIG": str(tmp_path / "syncwatch.yaml"),
            "SYNCWATCH_NOW": NOW.isoformat(),
            "COLUMNS": "200",
        }

        def syncwatch(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "syncwatch", *args],
                cwd=repo_root, env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip

        collected = syncwatch("collect", "--once")
        assert collected.returncode == 0, collected.stderr
        assert (
            "salesforce/accounts: success — 60 read, 60 changed, 0 quarantined" in collected.stdout
        )
        assert "records" in collected.stderr  # the progress display

        again = syncwatch("collect", "--once", "--source", "salesforce")
        # Incremental: only the look-back window behind the watermark is read again (the
        # record streams, Get Deleted and the id reconciliation, which is not due again).
        lines = [line for line in again.stdout.splitlines() if line.startswith("salesforce/")]
        assert len(lines) == 6 and all(" 0 changed" in line for line in lines), again.stdout

        status = syncwatch("sources", "status")
        assert status.returncode == 0, status.stderr
        rows = {line.split()[1]: line for line in status.stdout.splitlines() if "│" in line[:3]}
        assert set(rows) >= {"salesforce", "stripe", "netsuite", "zendesk", "middleware"}
        assert all("healthy" in rows[name] for name in rows if name != "source")

        unknown = syncwatch("collect", "--once", "--source", "hubspot")
        assert unknown.returncode == 2
        assert "no source named 'hubspot'" in unknown.stderr
