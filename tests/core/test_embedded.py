"""The embedded PostgreSQL is shared by every process using a data folder and stops cleanly."""

from __future__ import annotations

import json
import os
import pwd
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import psycopg
import pytest

from core.embedded import (
    USERS_FILE,
    DataDirError,
    EmbeddedPostgres,
    bundled_servers,
    postgres_command,
)

# Starts a handle on the data folder named by argv[1], prints its URL, leaves on a line of input.
HOLDER = """
import sys
import time
from pathlib import Path
from core.embedded import EmbeddedPostgres
server = EmbeddedPostgres(Path(sys.argv[1]))
print(server.url, flush=True)
sys.stdin.readline()
server.close()
"""


def postmasters(data_dir: Path) -> list[psutil.Process]:
    """The live (not zombie) postgres processes whose command line names ``data_dir``."""
    found = []
    for proc in psutil.process_iter(["name", "cmdline", "status"]):
        cmdline = proc.info["cmdline"] or []
        if (
            proc.info["name"] == "postgres"
            and proc.info["status"] != psutil.STATUS_ZOMBIE
            and str(data_dir) in " ".join(cmdline)
        ):
            found.append(proc)
    return found


def recorded_users(data_dir: Path) -> list[list[float]]:
    return list(json.loads((data_dir / USERS_FILE).read_text(encoding="utf-8")))


def holder(data_dir: Path, repo_root: Path, tmp_path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(data_dir)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=repo_root,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )


def syncwatch(
    repo_root: Path, home: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "syncwatch", *args],
        capture_output=True,
        text=True,
        cwd=repo_root,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), **(env or {})},
        check=False,
        timeout=120,
    )


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

    other = syncwatch(
        repo_root, tmp_path, "db", "upgrade", env={"SYNCWATCH_DATA_DIR": str(data_dir)}
    )
    assert other.returncode == 0, other.stderr
    assert f"embedded PostgreSQL in {data_dir}" in other.stdout
    assert postmasters(data_dir) == servers, "the second process must reuse the running server"
    with psycopg.connect(first.url) as conn:
        assert conn.execute("SELECT n FROM shared").fetchone() == (42,)
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)

    first.close()
    assert postmasters(data_dir) == []
    assert recorded_users(data_dir) == []


def test_concurrent_starts_on_a_new_folder_share_one_server(
    tmp_path: Path, repo_root: Path
) -> None:
    data_dir = tmp_path / "pg"
    holders = [holder(data_dir, repo_root, tmp_path) for _ in range(3)]
    try:
        urls = {h.stdout.readline().strip() for h in holders if h.stdout is not None}
        assert len(urls) == 1 and "" not in urls, urls
        servers = postmasters(data_dir)
        assert len(servers) == 1
        assert len(recorded_users(data_dir)) == 3

        for index, running in enumerate(holders):
            running.communicate("\n", timeout=60)
            assert running.returncode == 0
            expected = servers if index < len(holders) - 1 else []
            assert postmasters(data_dir) == expected
    finally:
        for running in holders:
            running.kill()


@pytest.mark.parametrize("damage", ["", "[[1, 2", "null", '{"a": 1}'])
def test_an_empty_or_damaged_list_of_users_is_rebuilt(tmp_path: Path, damage: str) -> None:
    data_dir = tmp_path / "pg"
    EmbeddedPostgres(data_dir).close()
    (data_dir / USERS_FILE).write_text(damage, encoding="utf-8")

    server = EmbeddedPostgres(data_dir)
    assert [pid for pid, _ in recorded_users(data_dir)] == [os.getpid()]
    server.close()
    assert recorded_users(data_dir) == []
    assert postmasters(data_dir) == []


def test_dead_users_are_dropped_and_the_last_live_one_stops_the_server(
    tmp_path: Path, repo_root: Path
) -> None:
    data_dir = tmp_path / "pg"
    server = EmbeddedPostgres(data_dir)
    with holder(data_dir, repo_root, tmp_path) as killed:
        assert killed.stdout is not None and killed.stdout.readline().strip() == server.url
        killed.send_signal(signal.SIGKILL)
    # A reused pid: this process's pid with another start time is not this process.
    users = [*recorded_users(data_dir), [os.getpid(), 12.0]]
    (data_dir / USERS_FILE).write_text(json.dumps(users), encoding="utf-8")
    assert len(users) == 3

    server.close()
    assert recorded_users(data_dir) == []
    assert postmasters(data_dir) == []


def test_a_killed_server_is_recovered_with_its_committed_data(tmp_path: Path) -> None:
    data_dir = tmp_path / "pg"
    server = EmbeddedPostgres(data_dir)
    with psycopg.connect(server.url) as conn:
        conn.execute("CREATE TABLE kept AS SELECT generate_series(1, 1000) AS n")
    (postmaster,) = postmasters(data_dir)
    postmaster.kill()
    postmaster.wait(10)
    server.close()

    again = EmbeddedPostgres(data_dir)
    with psycopg.connect(again.url) as conn:
        assert conn.execute("SELECT count(*) FROM kept").fetchone() == (1000,)
    again.close()
    assert postmasters(data_dir) == []


def test_a_folder_made_by_postgresql_16_is_run_by_postgresql_16(tmp_path: Path) -> None:
    data_dir = tmp_path / "pg"
    # What pgserver 0.1.4 left behind: a PostgreSQL 16 cluster and its own list of pids.
    init = postgres_command(
        bundled_servers()[16], "initdb", "-D", str(data_dir), "-U", "postgres",
        "--auth=trust", "--encoding=utf8",
    )  # fmt: skip
    data_dir.mkdir(mode=0o700)
    subprocess.run(init, check=True, capture_output=True)
    (data_dir / ".handle_pids.json").write_text("", encoding="utf-8")

    server = EmbeddedPostgres(data_dir)
    with psycopg.connect(server.url) as conn:
        row = conn.execute("SHOW server_version_num").fetchone()
    assert row is not None and row[0].startswith("16")
    server.close()
    assert postmasters(data_dir) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can hand a folder to another user")
def test_as_root_a_folder_of_another_user_is_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "pg"
    data_dir.mkdir()
    (data_dir / "PG_VERSION").write_text("16\n", encoding="utf-8")
    nobody = pwd.getpwnam("nobody")
    os.chown(data_dir, nobody.pw_uid, nobody.pw_gid)
    with pytest.raises(DataDirError) as refused:
        EmbeddedPostgres(data_dir)
    assert str(refused.value).startswith(f"{data_dir} belongs to user nobody, not root: ")
    assert f"chown -R root: {data_dir}" in str(refused.value)


@pytest.mark.parametrize("version", ["15", "9.6"])
def test_a_folder_of_another_postgresql_version_is_refused(tmp_path: Path, version: str) -> None:
    data_dir = tmp_path / "pg"
    data_dir.mkdir()
    (data_dir / "PG_VERSION").write_text(f"{version}\n", encoding="utf-8")
    with pytest.raises(DataDirError) as refused:
        EmbeddedPostgres(data_dir)
    message = str(refused.value)
    assert "\n" not in message
    assert f"{data_dir} holds PostgreSQL {version} data" in message
    assert "pg_dump" in message and "--data-dir" in message


def test_a_folder_with_other_files_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(DataDirError, match="not empty"):
        EmbeddedPostgres(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_an_impossible_data_dir_fails_with_one_line(tmp_path: Path, repo_root: Path) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    for data_dir in (tmp_path / "file" / "pg", Path("/proc/syncwatch")):
        result = syncwatch(repo_root, tmp_path, "--data-dir", str(data_dir), "db", "upgrade")
        assert result.returncode == 1
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1, result.stderr
        assert str(data_dir) in lines[0] and "--data-dir" in lines[0]


PASSWORD = "correct horse battery staple"


def add_user(repo_root: Path, home: Path, data_dir: Path, name: str) -> subprocess.Popen[str]:
    command = subprocess.Popen(
        [sys.executable, "-m", "syncwatch", "--data-dir", str(data_dir),
         "users", "add", name, "--role", "admin", "--password-stdin"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=repo_root,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home)},
    )  # fmt: skip
    assert command.stdin is not None
    command.stdin.write(PASSWORD + "\n")
    command.stdin.close()
    return command


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_commands_killed_at_random_points_leave_a_working_store(
    tmp_path: Path, repo_root: Path
) -> None:
    data_dir = tmp_path / "pg"
    rng = random.Random(20260611)
    assert (
        syncwatch(repo_root, tmp_path, "--data-dir", str(data_dir), "db", "upgrade").returncode == 0
    )
    # How long a whole command takes here, so that kills land anywhere from the interpreter's
    # start through the server's start-up, the work and the shutdown.
    began = time.monotonic()
    with add_user(repo_root, tmp_path, data_dir, "first") as first:
        assert first.wait(120) == 0, first.stderr.read() if first.stderr else ""
    span = time.monotonic() - began
    saved = {"first"}

    deadline = time.monotonic() + 35
    for round_ in range(8):
        if round_ >= 3 and time.monotonic() > deadline:
            break
        if round_ % 3 == 2:
            # Now and then the server dies too, so the next start replays the WAL (and may be
            # killed while it does).
            for postmaster in postmasters(data_dir):
                postmaster.kill()
        with add_user(repo_root, tmp_path, data_dir, f"killed{round_}") as victim:
            time.sleep(rng.uniform(0, span))
            victim.kill()
            if victim.wait(10) == 0:
                saved.add(f"killed{round_}")
        with add_user(repo_root, tmp_path, data_dir, f"user{round_}") as after:
            code = after.wait(120)
            assert code == 0, f"round {round_}: {after.stderr.read() if after.stderr else ''}"
        saved.add(f"user{round_}")

    listing = syncwatch(repo_root, tmp_path, "--data-dir", str(data_dir), "users", "list")
    assert listing.returncode == 0, listing.stderr
    server = EmbeddedPostgres(data_dir)
    with psycopg.connect(server.url) as conn:
        rows = conn.execute("SELECT name, roles, password_hash IS NOT NULL FROM app_user")
        users = {name: (tuple(roles), hashed) for name, roles, hashed in rows}
        # Each add committed whole or not at all, with its audit entry.
        audited = conn.execute("SELECT count(*) FROM audit_log").fetchone()
    server.close()
    assert saved <= users.keys() <= saved | {f"killed{n}" for n in range(8)}
    assert set(users.values()) == {(("admin",), True)}
    assert audited is not None and audited[0] >= len(users)
    assert postmasters(data_dir) == []
    assert recorded_users(data_dir) == []
