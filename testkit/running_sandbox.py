"""A running sandbox for collector tests: the world, its four simulators on loopback, its logs."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sandbox.catalog import World
from sandbox.clock import SimulatedClock
from sandbox.credentials import SandboxCredentials
from sandbox.generator import WorldSpec, generate_world
from sandbox.logwriter import MiddlewareLogWriter
from sandbox.profile import Profile, load_profile
from sandbox.server import build_apps, log_writer
from testkit.servers import running_app

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@dataclass
class RunningSandbox:
    """A served world: base URL per system, the log directory, and the objects behind them."""

    spec: WorldSpec
    world: World
    clock: SimulatedClock
    credentials: SandboxCredentials
    urls: dict[str, str]
    log_dir: Path
    apps: dict[str, Any]
    writer: MiddlewareLogWriter

    def write_logs(self) -> int:
        """Write every log line stamped up to the clock's now; return how many were new."""
        return self.writer.write_until(self.world.log_events, self.clock.now())

    def move_to(self, at: datetime) -> int:
        """Move the simulated clock to ``at`` and write the log lines due by then."""
        self.clock.start = at
        return self.write_logs()


def profile_with(base: str = "clean", **changes: Any) -> Profile:
    """A built-in profile with some fields replaced (nested dicts merge one level deep)."""
    data = load_profile(base).model_dump(mode="json")
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return Profile.model_validate(data)


@contextmanager
def running_sandbox(
    tmp_path: Path,
    *,
    seed: int = 7,
    profile: Profile | None = None,
    now: datetime = NOW,
    horizon: timedelta = timedelta(0),
    speed: float = 0.0,
) -> Iterator[RunningSandbox]:
    """Generate a world and serve all four simulators on free loopback ports."""
    spec = WorldSpec(
        seed=seed, profile=profile or profile_with(accounts=60), now=now, horizon=horizon
    )
    world = generate_world(spec)
    clock = SimulatedClock(now, speed)
    credentials = SandboxCredentials()
    apps = build_apps(world, clock, spec, credentials)
    log_dir = tmp_path / "middleware-logs"
    log_dir.mkdir()
    writer = log_writer(spec, log_dir)
    with ExitStack() as stack:
        urls = {name: stack.enter_context(running_app(app)) for name, app in apps.items()}
        sandbox = RunningSandbox(spec, world, clock, credentials, urls, log_dir, apps, writer)
        sandbox.write_logs()
        yield sandbox
