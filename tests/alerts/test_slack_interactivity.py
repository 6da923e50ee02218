"""Starting what receives Slack's clicks: with ``syncwatch run``, and what stops it starting."""

from __future__ import annotations

import urllib.request

import httpx
import pytest

from alerts.slack_endpoint import InteractivityError
from alerts.slack_interactivity import start_interactivity
from core.clock import Clock
from core.database import Database
from syncwatch.service import Service
from testkit.servers import bound_socket
from tests.alerts.alert_world import T0
from tests.alerts.slack_world import SIGNING_SECRET, free_port, settings

HTTP = {"mode": "http", "host": "127.0.0.1", "signing_secret_env": "SYNCWATCH_TEST_SIGNING"}


def test_syncwatch_run_serves_the_endpoint_until_it_stops(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SYNCWATCH_TEST_SIGNING", SIGNING_SECRET)
    port = free_port()
    service = Service(db, settings("http://127.0.0.1:1", {**HTTP, "port": port}), Clock(T0))
    service.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            assert answer.read() == b"ok"
        unsigned = httpx.post(f"http://127.0.0.1:{port}/slack/interactions", content=b"payload=")
        assert unsigned.status_code == 401
    finally:
        service.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_without_the_signing_secret_it_does_not_start(db: Database) -> None:
    config = settings("http://127.0.0.1:1", {**HTTP, "port": free_port()})
    with pytest.raises(InteractivityError) as refused:
        start_interactivity(db, config, Clock(T0))
    assert str(refused.value) == (
        "slack.interactivity.signing_secret_env: environment variable SYNCWATCH_TEST_SIGNING "
        "is not set (export it, or name another variable)"
    )


def test_a_taken_port_is_named(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCWATCH_TEST_SIGNING", SIGNING_SECRET)
    taken = bound_socket()
    taken.listen()
    port = taken.getsockname()[1]
    try:
        config = settings("http://127.0.0.1:1", {**HTTP, "port": port})
        with pytest.raises(InteractivityError, match=f"cannot listen on 127.0.0.1:{port}"):
            start_interactivity(db, config, Clock(T0))
    finally:
        taken.close()


def test_nothing_starts_without_interactivity(db: Database) -> None:
    plain = settings("http://127.0.0.1:1", {}).model_copy(deep=True)
    config = plain.model_copy(
        update={"slack": plain.slack.model_copy(update={"interactivity": None})}
    )
    assert start_interactivity(db, config, Clock(T0)) is None
