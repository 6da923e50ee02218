"""The whole product, as `syncwatch demo` runs it: sandbox, scheduler, exporter, dashboard.

The demo runs in a child process on free loopback ports against a test database; the test
checks it from the outside the way a person would, stops it with Ctrl-C (SIGINT) and checks
that no process and no listening port is left behind. A second run, on the embedded
PostgreSQL, kills the scheduler and the dashboard and stops the server, and checks that the demo
brings each back.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import psycopg
import pytest

from core.database import Database
from sandbox.credentials import SandboxCredentials

pytestmark = pytest.mark.slow


def free_port_run(count: int) -> int:
    """The first of ``count`` consecutive free loopback ports."""
    for base in range(23000, 60000, 97):
        sockets = []
        try:
            for port in range(base, base + count):
                sockets.append(socket.socket())
                sockets[-1].bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free port run")


def eventually(check: Callable[[], Any], what: str, timeout: float = 120) -> Any:
    """Poll ``check`` until it returns something truthy."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except OSError as exc:
            last = exc
        if last and not isinstance(last, Exception):
            return last
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
        return bytes(response.read())


def slack(url: str, method: str, **params: str) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{url}{method}",
        data=json.dumps(params).encode(),
        headers={
            "Authorization": f"Bearer {SandboxCredentials().slack_token}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
        return dict(json.loads(response.read()))


def syncwatch_json(repo_root: Path, env: dict[str, str], *args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "syncwatch", *args], cwd=repo_root, env=env,
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return dict(json.loads(result.stdout))


def test_the_demo_stack_collects_computes_alerts_serves_and_stops_cleanly(
    db: Database, tmp_path: Path, repo_root: Path
) -> None:
    base = free_port_run(8)
    sandbox, dashboard, metrics = base, base + 6, base + 7
    env = {**os.environ, "DATABASE_URL": db.url}
    for name in ("SYNCWATCH_NOW", "SYNCWATCH_SPEED", "SYNCWATCH_CLOCK_ANCHOR"):
        env.pop(name, None)
    demo = subprocess.Popen(
        [sys.executable, "-m", "syncwatch", "--config", "examples/demo.yaml", "demo",
         "--accounts=150", f"--sandbox-port={sandbox}", f"--dashboard-port={dashboard}",
         f"--metrics-port={metrics}", f"--work-dir={tmp_path / 'demo'}"],
        cwd=repo_root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        family: list[psutil.Process] = []

        def running() -> bool:
            family[:] = psutil.Process(demo.pid).children(recursive=True)
            return len(family) >= 3 and b"ok" in get(f"http://127.0.0.1:{dashboard}/_stcore/health")

        eventually(running, "the demo's processes and the dashboard")
        assert get(f"http://127.0.0.1:{dashboard}/").startswith(b"<!")

        with db.connection() as conn:
            counts = eventually(
                lambda: dict(conn.execute(
                    "SELECT system, count(*) FROM source_record GROUP BY system"
                ).fetchall()) if len(conn.execute(
                    "SELECT DISTINCT system FROM source_record").fetchall()) == 4 else None,
                "records from every system",
            )  # fmt: skip
        assert all(n > 0 for n in counts.values())

        def backlog() -> dict[str, float] | None:
            status = syncwatch_json(repo_root, env, "status", "--json")
            found = {
                m["labels"]["flow"]: m["value"]
                for m in status["metrics"]
                if m["name"] == "sync_backlog"
            }
            faulty = ("invoice_billing_to_erp", "payment_billing_to_erp")
            # Early computes may run before every source is collected; wait for one after.
            return found if all(found.get(flow, 0) > 0 for flow in faulty) else None

        backlogs = eventually(backlog, "a non-zero backlog for the faulty flows")
        assert backlogs["invoice_billing_to_erp"] > 0
        assert backlogs["payment_billing_to_erp"] > 0

        stand_in = f"http://127.0.0.1:{sandbox + 4}/api/"

        def delivered() -> list[dict[str, Any]]:
            channels = slack(stand_in, "conversations.list")["channels"]
            messages = []
            for channel in channels:
                history = slack(stand_in, "conversations.history", channel=channel["id"])
                messages.extend(history.get("messages", []))
            return messages

        messages = eventually(delivered, "an alert in the Slack stand-in")
        assert any("FIRING" in m.get("text", "") for m in messages)

        exported = get(f"http://127.0.0.1:{metrics}/metrics").decode()
        assert 'syncwatch_sync_backlog{flow="invoice_billing_to_erp"}' in exported
        health = json.loads(get(f"http://127.0.0.1:{metrics}/healthz"))
        assert health["database"] == "ok" and set(health["sources"]) == {
            "salesforce", "stripe", "netsuite", "zendesk", "middleware",
        }  # fmt: skip
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            output, _ = demo.communicate(timeout=90)
        finally:
            if demo.poll() is None:
                demo.kill()
    assert demo.returncode == 0, output
    assert "stopped." in output
    assert all(not p.is_running() or p.status() == psutil.STATUS_ZOMBIE for p in family)
    for port in range(base, base + 7):
        with socket.socket() as s:
            # Closed connections may linger in TIME_WAIT; only a listener makes this fail.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
            s.listen()


def postmaster(data_dir: Path) -> tuple[int, str]:
    """The embedded server's postmaster pid and socket folder, from its lock file."""
    lines = (data_dir / "postmaster.pid").read_text(encoding="utf-8").splitlines()
    return int(lines[0]), lines[4]


def test_the_demo_restarts_what_stops(tmp_path: Path, repo_root: Path) -> None:
    base = free_port_run(8)
    sandbox, dashboard, metrics = base, base + 6, base + 7
    env = dict(os.environ)
    for name in ("DATABASE_URL", "SYNCWATCH_DATA_DIR", "SYNCWATCH_NOW", "SYNCWATCH_SPEED",
                 "SYNCWATCH_CLOCK_ANCHOR"):  # fmt: skip
        env.pop(name, None)
    data_dir = tmp_path / "pg"
    demo = subprocess.Popen(
        [sys.executable, "-m", "syncwatch", "--config", "examples/demo.yaml",
         "--data-dir", str(data_dir), "demo", "--accounts=60", f"--sandbox-port={sandbox}",
         f"--dashboard-port={dashboard}", f"--metrics-port={metrics}",
         f"--work-dir={tmp_path / 'demo'}"],
        cwd=repo_root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []

    def read() -> None:
        assert demo.stdout is not None
        for line in demo.stdout:
            lines.append(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def said(text: str) -> bool:
        return any(text in line for line in lines)

    def healthy_store() -> bool:
        health = json.loads(get(f"http://127.0.0.1:{metrics}/healthz"))
        return bool(health["database"] == "ok")

    def newest_run() -> int:
        """The newest collector run's id (-1 while the store does not answer)."""
        _, socket_dir = postmaster(data_dir)
        url = f"postgresql://postgres:@/syncwatch_demo?host={socket_dir}"
        try:
            with psycopg.connect(url, connect_timeout=5) as conn:
                row = conn.execute("SELECT coalesce(max(id), 0) FROM collector_run").fetchone()
        except psycopg.OperationalError:
            return -1
        return int(row[0]) if row else 0

    try:
        eventually(lambda: said("syncwatch is running:"), "the demo to start", timeout=240)
        scheduler = next(p for p in psutil.Process(demo.pid).children() if "run" in p.cmdline())
        scheduler.kill()
        eventually(lambda: said("the scheduler exited with code -9: restarted it"), "a restart")
        eventually(healthy_store, "the restarted scheduler")

        # Killed, `syncwatch dashboard` leaves its Streamlit server behind on the port.
        next(p for p in psutil.Process(demo.pid).children() if "dashboard" in p.cmdline()).kill()
        eventually(lambda: said("the dashboard exited with code -9: restarted it"), "a restart")
        eventually(
            lambda: b"ok" in get(f"http://127.0.0.1:{dashboard}/_stcore/health"),
            "the restarted dashboard",
        )
        assert not any("exited with code 1" in line for line in lines), lines

        pid, _ = postmaster(data_dir)
        before = eventually(lambda: max(newest_run(), 0) or None, "a collector run")
        os.kill(pid, signal.SIGINT)  # a fast shutdown: the server stops
        eventually(lambda: said("the embedded PostgreSQL had stopped: restarted it"), "a restart")
        eventually(healthy_store, "the store behind the scheduler again")
        eventually(lambda: newest_run() > before, "a collector run after the restart")
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(timeout=90)
        finally:
            if demo.poll() is None:
                demo.kill()
        reader.join(10)
        if demo.stdout is not None:
            demo.stdout.close()
    output = "\n".join(lines)
    assert demo.returncode == 0, output
    assert "stopped." in output
    restarts = [line for line in lines if "restarted it" in line]
    assert len(restarts) == 3, output
