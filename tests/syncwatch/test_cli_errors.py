"""Every CLI failure is one line on stderr naming the problem and the fix, never a traceback.

Each case runs the real ``syncwatch`` in a subprocess. Nothing waits on a timeout: the database
URLs point at 127.0.0.1:1, which refuses at once, and a port "in use" is a socket bound here.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

UNREACHABLE = "postgresql://nobody:hunter22@127.0.0.1:1/x"
NOW = "2026-11-20T12:00:00Z"


@dataclass(frozen=True)
class Case:
    """A command line, its environment, and what its one line of error must say."""

    args: tuple[str, ...]
    problem: str
    fix: str
    code: int = 2
    env: dict[str, str] = field(default_factory=dict)
    hidden: str = "hunter22"


CASES = {
    # DATABASE_URL: checked before anything connects, then our own connect names the server.
    "unreachable-status": Case(
        ("status",), "cannot connect to PostgreSQL at postgresql://nobody:****@127.0.0.1:1/x",
        "check DATABASE_URL and that the server is running", code=1,
    ),
    "unreachable-db-status": Case(
        ("db", "status"), "127.0.0.1:1/x: Connection refused", "check DATABASE_URL", code=1
    ),
    "unreachable-db-upgrade": Case(
        ("db", "upgrade"), "127.0.0.1:1/x: Connection refused", "check DATABASE_URL", code=1
    ),
    "unreachable-users-list": Case(
        ("users", "list"), "127.0.0.1:1/x: Connection refused", "check DATABASE_URL", code=1
    ),
    "malformed-url-status": Case(
        ("status",), "DATABASE_URL: not a URL", "set it to postgresql://",
        env={"DATABASE_URL": "not-a-url"},
    ),
    "malformed-url-db-upgrade": Case(
        ("db", "upgrade"), "DATABASE_URL: not a URL", "unset it to use the embedded PostgreSQL",
        env={"DATABASE_URL": "not-a-url"},
    ),
    "url-with-spaces": Case(
        ("status",), "DATABASE_URL: not a valid PostgreSQL URL", "percent-encoded",
        env={"DATABASE_URL": "postgresql://alice:s3cret pw@127.0.0.1:1/x"}, hidden="s3cret",
    ),
    "url-bad-port": Case(
        ("status",), "DATABASE_URL: port 'abc'", "from 1 to 65535",
        env={"DATABASE_URL": "postgresql://alice:hunter22@db.example:abc/x"},
    ),
    "mysql-url-status": Case(
        ("status",), "DATABASE_URL: mysql:// is not supported", "set it to postgresql://",
        env={"DATABASE_URL": "mysql://root@127.0.0.1:1/x"},
    ),
    "mysql-url-db-status": Case(
        ("db", "status"), "DATABASE_URL: mysql:// is not supported", "set it to postgresql://",
        env={"DATABASE_URL": "mysql://root@127.0.0.1:1/x"},
    ),
    # The clock: bounded speed and instants, from the options and from the environment.
    "speed-env-not-a-number": Case(
        ("status",), "SYNCWATCH_SPEED: 'abc' is not a number", "e.g. 60",
        env={"SYNCWATCH_SPEED": "abc", "SYNCWATCH_NOW": NOW},
    ),
    "speed-env-huge": Case(
        ("status",), "SYNCWATCH_SPEED: 1e+308 is out of range", "use 0 to 10,000",
        env={"SYNCWATCH_SPEED": "1e308", "SYNCWATCH_NOW": NOW},
    ),
    "speed-option-huge": Case(
        ("--now", NOW, "--speed", "1e308", "status"), "--speed: 1e+308", "use 0 to 10,000"
    ),
    "speed-option-not-a-number": Case(
        ("--speed", "abc", "status"), "Invalid value for '--speed'", "see syncwatch --help"
    ),
    "sandbox-serve-speed": Case(
        ("sandbox", "serve", "--speed", "1e308"), "--speed: 1e+308", "use 0 to 10,000"
    ),
    "demo-speed": Case(("demo", "--speed", "1e308"), "--speed: 1e+308", "use 0 to 10,000"),
    "now-far-future": Case(
        ("--now", "9999-12-31T23:59:59Z", "alerts", "evaluate"),
        "--now: '9999-12-31T23:59:59Z' is out of range", "2999-12-31T23:59:59Z",
    ),
    "now-far-future-sandbox": Case(
        ("--now", "9999-12-31T23:59:59Z", "sandbox", "manifest"),
        "--now: '9999-12-31T23:59:59Z' is out of range", "use a time from 2000-01-01",
    ),
    "now-env-far-future": Case(
        ("compute",), "SYNCWATCH_NOW: '9999-12-31T23:59:59Z' is out of range",
        "2999-12-31T23:59:59Z", env={"SYNCWATCH_NOW": "9999-12-31T23:59:59Z"},
    ),
    # Durations: at most ten years, in the config file and on the command line.
    "config-poll-interval": Case(
        ("--config", "{huge_interval}", "config", "check"),
        "huge.yaml: sources.crm.poll_interval", "must be at most 3650d",
    ),
    "config-poll-interval-collect": Case(
        ("--config", "{huge_interval}", "collect", "--once"),
        "huge.yaml: sources.crm.poll_interval", "must be at most 3650d",
    ),
    "silence-duration": Case(
        ("alerts", "silence", "--match", "rule=x", "--duration", "3000000d", "--reason", "r",
         "--by", "al"),
        "Invalid value for '--duration'", "must be at most 3650d",
    ),
    "sandbox-horizon": Case(
        ("sandbox", "serve", "--speed", "60", "--horizon", "3000000d"),
        "Invalid value for '--horizon'", "must be at most 3650d",
    ),
    # Ports: 1 to 65535, and one already taken is named before anything starts.
    "run-port-range": Case(
        ("run", "--metrics-port", "70000"), "'--metrics-port'", "less than or equal to 65535"
    ),
    "demo-port-range": Case(
        ("demo", "--dashboard-port", "70000"), "'--dashboard-port'", "less than or equal to 65535"
    ),
    "demo-sandbox-port-range": Case(
        ("demo", "--sandbox-port", "65535"), "'--sandbox-port'", "less than or equal to 65530"
    ),
    "sandbox-serve-port-range": Case(
        ("sandbox", "serve", "--stripe-port", "70000"), "'--stripe-port'",
        "less than or equal to 65535",
    ),
    "dashboard-port-range": Case(
        ("dashboard", "--port", "0"), "'--port'", "greater than or equal to 1"
    ),
    "run-port-in-use": Case(
        ("--config", "{config}", "run", "--metrics-host", "127.0.0.1", "--metrics-port",
         "{busy}"),
        "--metrics-port: 127.0.0.1:{busy} is already in use", "pass another --metrics-port",
        code=1,
    ),
    "dashboard-port-in-use": Case(
        ("dashboard", "--port", "{busy}"), "--port: 127.0.0.1:{busy} is already in use",
        "pass another --port", code=1,
    ),
    "demo-port-in-use": Case(
        ("--config", "{config}", "demo", "--sandbox-port", "{busy}"),
        "--sandbox-port: 127.0.0.1:{busy} is already in use", "pass another --sandbox-port",
        code=1,
    ),
    "sandbox-serve-port-in-use": Case(
        ("sandbox", "serve", "--salesforce-port", "{busy}"),
        "--salesforce-port: 127.0.0.1:{busy} is already in use",
        "pass another --salesforce-port", code=1,
    ),
    # Click's usage errors, one line with where to look.
    "unknown-command": Case(("nosuch",), "No such command 'nosuch'", "see syncwatch --help"),
    "unknown-option": Case(
        ("alerts", "list", "--bogus"), "No such option: --bogus",
        "see syncwatch alerts list --help",
    ),
    "missing-option": Case(
        ("alerts", "silence", "--match", "rule=x", "--duration", "2h", "--reason", "r"),
        "Missing option '--by'", "see syncwatch alerts silence --help",
    ),
}  # fmt: skip


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A loopback port something is listening on."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield listener.getsockname()[1]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_failure_is_one_line(case: Case, tmp_path: Path, busy_port: int) -> None:
    config = tmp_path / "syncwatch.yaml"
    config.write_text("sources: {}\n", encoding="utf-8")
    huge = tmp_path / "huge.yaml"
    huge.write_text(
        "sources:\n  crm:\n    type: stripe\n    base_url: http://127.0.0.1:1\n"
        "    poll_interval: 99999999999d\n",
        encoding="utf-8",
    )
    values = {"config": str(config), "huge_interval": str(huge), "busy": str(busy_port)}
    env = {k: v for k, v in os.environ.items() if not k.startswith("SYNCWATCH_")}
    # Every case has a URL, so a check that does not fire fails fast instead of starting a server.
    env |= {"DATABASE_URL": UNREACHABLE, "COLUMNS": "80", **case.env}
    result = subprocess.run(
        [sys.executable, "-m", "syncwatch", *(a.format(**values) for a in case.args)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    assert result.stdout == ""
    assert result.returncode == case.code, result.stderr
    line = lines[0]
    assert line.startswith("error: ")
    assert case.problem.format(**values) in line
    assert case.fix in line
    assert case.hidden not in line
