"""The one-command demo: store, live sandbox, scheduler and dashboard, stopped together.

Every child process runs the same simulated clock (a start instant, a wall-clock anchor and a
speed passed through the environment), so the sandbox's world and syncwatch's "now" agree while
time runs fast enough for the charts to move.

Once everything answers, the demo supervises: a child that exits, or an embedded PostgreSQL
that stops, is started again and reported in one line. A component that needs more than
``RESTART_LIMIT`` restarts within ``RESTART_WINDOW_SECONDS`` is crash-looping; the demo then
stops with the reason instead of spinning.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import yaml

from core import migrations
from core.clock import format_instant
from core.config import Settings
from core.config.sources import Source
from core.database import Database
from core.embedded import EmbeddedPostgres
from core.errors import SyncwatchError
from core.users import add_user
from sandbox.slack_people import DEMO_PEOPLE

DEMO_DATABASE = "syncwatch_demo"
DEMO_USERS: dict[str, list[str]] = {
    "exec": ["executive"],
    "finance": ["finance"],
    "revops": ["revops"],
    "integration": ["integration"],
    "admin": ["admin"],
}
SANDBOX_SYSTEMS = ("salesforce", "stripe", "netsuite", "zendesk", "slack", "ecb")
RESTART_LIMIT = 3
RESTART_WINDOW_SECONDS = 300.0
EMBEDDED = "embedded PostgreSQL"


class DemoError(SyncwatchError):
    """A part of the demo did not start."""


def demo_password(user: str) -> str:
    """The printed password of a demo user (a local demo on loopback only)."""
    return f"{user}-demo-2026"


@dataclass
class DemoOptions:
    """What the demo runs and where."""

    seed: int = 1
    accounts: int = 500
    speed: float = 60.0
    sandbox_port: int = 8701
    dashboard_port: int = 8501
    metrics_port: int = 9108
    work_dir: Path = Path("var/demo")


@dataclass
class Child:
    """One child process, how it was started (to start it again) and its log file."""

    name: str
    args: list[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: IO[bytes]


@dataclass
class DemoStack:
    """The running demo's processes and where they answer."""

    options: DemoOptions
    children: list[Child] = field(default_factory=list)
    embedded: EmbeddedPostgres | None = None
    """The embedded server the demo's store runs on, supervised like the children."""
    restarts: dict[str, list[float]] = field(default_factory=dict)
    """Recent restart instants (monotonic) per component, for the crash-loop limit."""

    @property
    def ports(self) -> dict[str, int]:
        """The sandbox system ports, consecutive from ``sandbox_port``."""
        return {s: self.options.sandbox_port + i for i, s in enumerate(SANDBOX_SYSTEMS)}

    @property
    def dashboard_url(self) -> str:
        """Where the dashboard answers."""
        return f"http://localhost:{self.options.dashboard_port}"

    @property
    def metrics_url(self) -> str:
        """Where Prometheus metrics are served."""
        return f"http://localhost:{self.options.metrics_port}/metrics"

    def effective_settings(self, settings: Settings) -> Settings:
        """The configuration with every sandbox URL (the ECB's rates too) on this demo's
        ports."""
        sources: dict[str, Source] = {}
        for name, source in settings.sources.items():
            if source.type == "middleware_logs":
                path = str(self.options.work_dir.resolve() / "logs" / "*.jsonl")
                sources[name] = source.model_copy(update={"path": path})
            else:
                url = f"http://127.0.0.1:{self.ports[source.type]}"
                sources[name] = source.model_copy(update={"base_url": url})
        slack = settings.slack.model_copy(
            update={"base_url": f"http://127.0.0.1:{self.ports['slack']}/api/"}
        )
        fx = settings.fx
        if fx.source is not None:
            rates = f"http://127.0.0.1:{self.ports['ecb']}{urlsplit(fx.source).path}"
            fx = fx.model_copy(update={"source": rates})
        return settings.model_copy(
            update={
                "sources": sources,
                "slack": slack,
                "fx": fx,
                "env_file": None,
                "dashboard_url": self.dashboard_url,
                "metrics_port": self.options.metrics_port,
            }
        )

    def prepare(self, db: Database, settings: Settings, at: datetime) -> tuple[Database, Path]:
        """A fresh demo database with the schema and demo users; the effective config file."""
        work = self.options.work_dir
        shutil.rmtree(work / "logs", ignore_errors=True)
        (work / "logs").mkdir(parents=True, exist_ok=True)
        if db.embedded is not None:
            self.embedded = db.embedded
            db = Database(db.embedded.fresh_database(DEMO_DATABASE), embedded=db.embedded)
        migrations.upgrade(db)
        # Each demo user has the e-mail address of a member of the Slack stand-in's workspace,
        # so their clicks on the alert buttons there act as them.
        emails = {person.name: person.email for person in DEMO_PEOPLE}
        with db.connection() as conn:
            for user, roles in DEMO_USERS.items():
                add_user(conn, user, demo_password(user), roles, actor="demo", at=at,
                         email=emails.get(user))  # fmt: skip
        config = work / "syncwatch.yaml"
        effective = self.effective_settings(settings)
        document = effective.model_dump(mode="json", by_alias=True, exclude={"env_file"})
        config.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        return db, config

    def start(self, db: Database, config: Path, start: datetime, anchor: float) -> None:
        """Start the sandbox, the scheduler and the dashboard, each waited for."""
        env = {
            **os.environ,
            "DATABASE_URL": db.url,
            "SYNCWATCH_CONFIG": str(config.resolve()),
            "SYNCWATCH_NOW": format_instant(start),
            "SYNCWATCH_SPEED": str(self.options.speed),
            "SYNCWATCH_CLOCK_ANCHOR": repr(anchor),
        }
        opts = self.options
        sandbox_ports = [f"--{s}-port={p}" for s, p in self.ports.items()]
        self.spawn(
            "sandbox",
            ["sandbox", "serve", f"--seed={opts.seed}", f"--accounts={opts.accounts}",
             f"--log-dir={opts.work_dir / 'logs'}", *sandbox_ports],
            env,
        )  # fmt: skip
        for port in self.ports.values():
            self._wait(f"http://127.0.0.1:{port}/", "sandbox", any_status=True)
        self.spawn(
            "scheduler",
            ["run", "--metrics-host=127.0.0.1", f"--metrics-port={opts.metrics_port}"],
            env,
        )
        self._wait(f"http://127.0.0.1:{opts.metrics_port}/healthz", "scheduler")
        self.spawn("dashboard", ["dashboard", f"--port={opts.dashboard_port}"], env)
        self._wait(f"http://127.0.0.1:{opts.dashboard_port}/_stcore/health", "dashboard")

    def spawn(
        self, name: str, args: list[str], env: dict[str, str], *, restart: bool = False
    ) -> None:
        """Start ``syncwatch <args>`` as the child ``name`` (a restart replaces the exited one
        in place and appends to its log)."""
        log = self.log_path(name).open("ab" if restart else "wb")
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed arguments
            [sys.executable, "-m", "syncwatch", *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # Its own process group: Ctrl-C reaches the demo, which stops children in order.
            start_new_session=True,
        )
        child = Child(name, args, env, process, log)
        if restart:
            self.children = [child if c.name == name else c for c in self.children]
        else:
            self.children.append(child)

    def log_path(self, name: str) -> Path:
        """The log file of the child ``name``."""
        return self.options.work_dir / f"{name}.log"

    def _wait(self, url: str, name: str, *, any_status: bool = False, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_children()
            try:
                with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own loopback URL
                    return
            except urllib.error.HTTPError:
                if any_status:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise DemoError(f"the {name} did not answer at {url} within {timeout:.0f} s")

    def check_children(self) -> None:
        """Raise if a child process has exited."""
        for child in self.children:
            code = child.process.poll()
            if code is not None:
                raise DemoError(
                    f"the {child.name} exited with code {code}: see {self.log_path(child.name)}"
                )

    def supervise(self) -> list[str]:
        """Start again what has stopped (the store first); one line per restart.

        Raises DemoError when a component has already been restarted ``RESTART_LIMIT`` times
        within ``RESTART_WINDOW_SECONDS``.
        """
        lines: list[str] = []
        if self.embedded is not None and not self.embedded.is_running():
            self._count_restart(EMBEDDED, f"see {self.embedded.log}")
            self.embedded.restart()
            lines.append(f"the {EMBEDDED} had stopped: restarted it")
        for child in list(self.children):
            code = child.process.poll()
            if code is None:
                continue
            log = self.log_path(child.name)
            self._count_restart(child.name, f"exit code {code}, see {log}")
            child.log.close()
            # What it started (Streamlit, under `syncwatch dashboard`) is in its process group
            # and would hold the port the new one needs.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.process.pid, signal.SIGKILL)
            self.spawn(child.name, child.args, child.env, restart=True)
            lines.append(f"the {child.name} exited with code {code}: restarted it (log: {log})")
        return lines

    def _count_restart(self, name: str, detail: str) -> None:
        now = time.monotonic()
        recent = [t for t in self.restarts.get(name, []) if now - t < RESTART_WINDOW_SECONDS]
        if len(recent) >= RESTART_LIMIT:
            raise DemoError(
                f"the {name} stopped again after {RESTART_LIMIT} restarts within "
                f"{RESTART_WINDOW_SECONDS / 60:.0f} minutes, so it is not restarted ({detail})"
            )
        self.restarts[name] = [*recent, now]

    def stop(self, timeout: float = 30) -> None:
        """Stop every child (last started first), killing any that does not stop in time."""
        for child in reversed(self.children):
            if child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)
            try:
                child.process.wait(timeout)
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait(10)
            child.log.close()
        self.children.clear()


def clock_start() -> tuple[datetime, float]:
    """The simulated start (now, to the second) and its wall-clock anchor."""
    anchor = time.time()
    return datetime.fromtimestamp(int(anchor), UTC), float(int(anchor))
