"""The embedded PostgreSQL is shared by every process using a data directory and stops cleanly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psutil
import psycopg

from core.embedded import EmbeddedPostgres


def postmasters(data_dir: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["name", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["name"] == "postgres" and str(data_dir) in " ".join(cmdline):
            found.append(proc)
    return found


def test_processes_share_one_server_that_stops_with_the_last(
    tmp_path: Path, repo_root: Path
) -> None:
    data_dir = tmp_path / "pg"
    first = EmbeddedPostgres(data_dir)
    with psycopg.connect(first.url) as conn:
        conn.execute("CREATE TABLE shared (n int)")
        conn.execute("INSERT INTO shared VALUES (42)")
    servers = postmasters(data_dir)
    assert len(servers) == 1

    other = subprocess.run(
        [sys.executable, "-m", "syncwatch", "--data-dir", str(data_dir), "db", "upgrade"],
        capture_output=True,
        text=True,
        cwd=repo_root,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        check=False,
    )
    assert other.returncode == 0, other.stderr
    assert f"embedded PostgreSQL in {data_dir}" in other.stdout
    assert postmasters(data_dir) == servers, "the second process must reuse the running server"
    with psycopg.connect(first.url) as conn:
        assert conn.execute("SELECT n FROM shared").fetchone() == (42,)
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)

    first.close()
    assert postmasters(data_dir) == []
