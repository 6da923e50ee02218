"""The whole product, as `syncwatch demo` runs it: sandbox, scheduler, exporter, dashboard.

The demo runs in a child process on free loopback ports against a test database; the test
checks it from the outside the way a person would, stops it with Ctrl-C (SIGINT) and checks
that no process and no listening port is left behind.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
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
    base = free_port_run(7)
    sandbox, dashboard, metrics = base, base + 5, base + 6
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
