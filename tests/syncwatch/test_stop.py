"""Stopping a poll: after the page in hand, or at once from a long Retry-After wait, and
``syncwatch run`` as a whole within its bound."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from collectors.errors import PollStoppedError
from collectors.registry import build_connector
from collectors.runner import collect_source
from core.clock import Clock
from core.config.sources import ZendeskSource
from core.database import Database
from testkit.servers import bound_socket, running_app
from tests.metrics.fixtures import NOW

END_TIME = 1_700_000_000
ORGANIZATIONS = [
    {
        "id": n,
        "external_id": f"acc-{n}",
        "name": f"Org {n}",
        "created_at": "2023-11-01T10:00:00Z",
        "updated_at": "2023-11-02T10:00:00Z",
    }
    for n in (1, 2, 3)
]
STOP_BOUND_SECONDS = 10
ORGANIZATIONS_PATH = "/api/v2/incremental/organizations.json"


class FlakyZendesk:
    """One page of organizations, then 503 with a two-minute Retry-After for every request."""

    def __init__(self) -> None:
        self.served_page = False
        self.refused = threading.Event()
        self.app = Starlette(routes=[Route(ORGANIZATIONS_PATH, self.organizations)])

    async def organizations(self, request: Request) -> Response:
        if not self.served_page:
            self.served_page = True
            body = {"organizations": ORGANIZATIONS, "end_of_stream": False, "end_time": END_TIME}
            return JSONResponse(body)
        self.refused.set()
        return Response("Service Unavailable", status_code=503, headers={"Retry-After": "120"})


def test_a_poll_stops_after_the_page_in_hand_is_committed(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    stop = threading.Event()
    asked: list[str] = []

    async def organizations(request: Request) -> Response:
        asked.append(request.query_params["start_time"])
        stop.set()  # the stop arrives while this page is on its way
        body = {"organizations": ORGANIZATIONS, "end_of_stream": False, "end_time": END_TIME}
        return JSONResponse(body)

    monkeypatch.setenv("TEST_ZENDESK_TOKEN", "zendesk-token")
    clock = Clock(NOW)
    with running_app(Starlette(routes=[Route(ORGANIZATIONS_PATH, organizations)])) as base_url:
        settings = ZendeskSource.model_validate(
            {"type": "zendesk", "base_url": base_url, "email": "agent@example.com",
             "api_token_env": "TEST_ZENDESK_TOKEN", "exports_per_minute": 6000}
        )  # fmt: skip
        connector = build_connector("helpdesk", settings, clock=clock, stop=stop)
        try:
            with pytest.raises(PollStoppedError, match="stopped after a committed page"):
                collect_source(db, connector, clock=clock, stop=stop)
        finally:
            connector.close()
    assert asked == ["0"]
    with db.connection() as conn:
        position = conn.execute("SELECT position FROM watermark").fetchone()
        runs = conn.execute(
            "SELECT stream, status, pages, records, error FROM collector_run"
        ).fetchall()
        health = conn.execute("SELECT count(*) FROM source_health").fetchone()
    assert position == ({"start_time": END_TIME},)
    assert runs == [
        ("organizations", "partial", 1, 3, "interrupted: helpdesk: stopped after a committed page")
    ]
    assert health == (0,)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_abandons_the_retry_and_keeps_the_committed_page(
    db: Database, tmp_path: Path, repo_root: Path, signum: signal.Signals
) -> None:
    zendesk = FlakyZendesk()
    sock = bound_socket()
    port = sock.getsockname()[1]
    sock.close()
    with running_app(zendesk.app) as base_url:
        config = tmp_path / "syncwatch.yaml"
        config.write_text(
            "timezone: UTC\n"
            "sources:\n"
            "  helpdesk:\n"
            "    type: zendesk\n"
            f"    base_url: {base_url}\n"
            "    email: agent@example.com\n"
            "    api_token_env: TEST_ZENDESK_TOKEN\n"
            "    exports_per_minute: 6000\n"
            "    poll_interval: 1h\n",
            encoding="utf-8",
        )
        env = {
            **os.environ,
            "DATABASE_URL": db.url,
            "SYNCWATCH_NOW": NOW.isoformat(),
            "TEST_ZENDESK_TOKEN": "zendesk-token",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "syncwatch", "--config", str(config), "run",
             "--metrics-host", "127.0.0.1", "--metrics-port", str(port)],
            cwd=repo_root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert zendesk.refused.wait(60), "the poll never reached the failing page"
            time.sleep(0.5)  # the client is now waiting out the Retry-After (capped at 60 s)
            proc.send_signal(signum)
            signalled = time.monotonic()
            output, errors = proc.communicate(timeout=STOP_BOUND_SECONDS + 20)
            took = time.monotonic() - signalled
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert took < STOP_BOUND_SECONDS, (took, errors)
    assert proc.returncode == 0, errors
    assert "Traceback" not in errors
    stopped = [line for line in output.splitlines() if line.startswith("stopped")]
    assert len(stopped) == 1, output
    assert "interrupted collect:helpdesk after the last committed page" in stopped[0]

    with db.connection() as conn:
        stored = conn.execute(
            "SELECT external_id FROM source_record WHERE system = 'zendesk' ORDER BY external_id"
        ).fetchall()
        position = conn.execute(
            "SELECT position FROM watermark WHERE source = 'helpdesk' AND stream = 'organizations'"
        ).fetchone()
        runs = conn.execute(
            "SELECT stream, status, pages, records, error FROM collector_run "
            "WHERE source = 'helpdesk'"
        ).fetchall()
        health = conn.execute("SELECT source FROM source_health").fetchall()
        job = conn.execute(
            "SELECT count(*) FROM job_health WHERE job = 'collect:helpdesk'"
        ).fetchone()
        claimed = conn.execute(
            "SELECT count(*) FROM job_start WHERE job = 'collect:helpdesk'"
        ).fetchone()
    assert stored == [("1",), ("2",), ("3",)]
    assert position == ({"start_time": END_TIME},)
    [(stream, status, pages, records, error)] = runs
    assert (stream, status, pages, records) == ("organizations", "partial", 1, 3)
    assert error.startswith("interrupted: helpdesk: stopped while waiting")
    # An interrupted poll says nothing about the source: its health is not recorded, the job
    # is not failed, and its interval claim is released so the next start polls at once.
    assert health == []
    assert job == (0,)
    assert claimed == (0,)
