"""The sandbox runtime end to end: a real process serving four APIs, writing logs, stopping."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from sandbox.credentials import SandboxCredentials

# Runs serve() in a child process so a real signal can stop it; the endpoints come back as
# one JSON line on stdout.
_CHILD = """
import json, sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from sandbox.generator import WorldSpec
from sandbox.profile import Profile
from sandbox.server import SandboxPorts, serve

spec = WorldSpec(seed=3, profile=Profile(accounts=15), now=datetime(2025, 6, 1, tzinfo=UTC))
serve(
    spec,
    log_dir=Path(sys.argv[1]),
    ports=SandboxPorts(0, 0, 0, 0),
    speed=60.0,
    on_ready=lambda e: print(json.dumps({k: str(v) for k, v in asdict(e).items()}), flush=True),
)
"""
_STARTUP_SECONDS = 60


@contextmanager
def sandbox_process(log_dir: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, str]]]:
    """Start the sandbox in a child process; yield it and its endpoints."""
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(log_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(child.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(_STARTUP_SECONDS)
    try:
        if not lines or not lines[0]:
            child.kill()
            raise AssertionError("the sandbox did not start: " + child.communicate()[1])
        yield child, json.loads(lines[0])
    finally:
        if child.poll() is None:
            child.kill()
        if child.stdout is not None and not child.stdout.closed:
            child.communicate()  # reaps the child and closes its pipes


@pytest.mark.slow
@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_serve_answers_on_every_port_writes_logs_and_stops_on_signal(
    tmp_path: Path, stop_signal: signal.Signals
) -> None:
    creds = SandboxCredentials()
    with sandbox_process(tmp_path / "logs") as (child, endpoints):
        assert endpoints["log_dir"] == str(tmp_path / "logs")
        stripe = httpx.get(
            f"{endpoints['stripe']}/v1/customers",
            headers={"Authorization": f"Bearer {creds.stripe.api_key}"},
        )
        assert stripe.status_code == 200 and stripe.json()["data"]
        zd_user = f"{creds.zendesk.email}/token:{creds.zendesk.api_token}"
        zendesk = httpx.get(
            f"{endpoints['zendesk']}/api/v2/incremental/organizations.json?start_time=0",
            headers={"Authorization": "Basic " + base64.b64encode(zd_user.encode()).decode()},
        )
        assert zendesk.status_code == 200 and zendesk.json()["organizations"]
        token = httpx.post(
            f"{endpoints['salesforce']}/services/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": creds.salesforce.client_id,
                "client_secret": creds.salesforce.client_secret,
            },
        )
        assert token.status_code == 200 and token.json()["access_token"]
        netsuite = httpx.post(
            f"{endpoints['netsuite']}/services/rest/query/v1/suiteql",
            headers={
                "Authorization": f"Bearer {creds.netsuite.oauth2_token}",
                "Prefer": "transient",
            },
            json={"q": "SELECT id FROM customer"},
        )
        assert netsuite.status_code == 200, netsuite.text
        assert any(p.is_file() and p.stat().st_size for p in (tmp_path / "logs").iterdir())
        child.send_signal(stop_signal)
        assert child.wait(20) == 0
        for url in (endpoints["stripe"], endpoints["zendesk"]):
            with pytest.raises(httpx.ConnectError):
                httpx.get(url, timeout=1)
