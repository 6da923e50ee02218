"""The sandbox runtime: generate the world, serve the four simulated APIs, write the logs.

Beside them it serves a Slack stand-in and the ECB's reference-rate files for the world's
currencies.

``serve`` is what the CLI calls; ``build_apps`` wires one simulator per system to a shared
simulated clock, and ``sandbox.runtime.run_servers`` runs them in one loop beside the log
writer until SIGINT or SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from starlette.types import ASGIApp

from sandbox.catalog import World
from sandbox.clock import SimulatedClock
from sandbox.credentials import SandboxCredentials
from sandbox.ecb.app import create_ecb_app
from sandbox.generator import WorldSpec, generate_world
from sandbox.logwriter import MiddlewareLogWriter, claim_log_folder
from sandbox.netsuite.app import create_netsuite_app
from sandbox.runtime import run_servers
from sandbox.salesforce.app import create_salesforce_app
from sandbox.slack_people import DEMO_PEOPLE
from sandbox.slack_standin import SlackStandIn
from sandbox.stripe.app import create_stripe_app
from sandbox.zendesk.app import create_zendesk_app

__all__ = [
    "SandboxEndpoints",
    "SandboxPorts",
    "build_apps",
    "log_tick",
    "log_writer",
    "run_servers",
    "serve",
]


@dataclass(frozen=True, slots=True)
class SandboxPorts:
    """The port each simulated API listens on (0: any free port)."""

    salesforce: int = 8701
    stripe: int = 8702
    netsuite: int = 8703
    zendesk: int = 8704
    slack: int = 8705
    ecb: int = 8706


@dataclass(frozen=True, slots=True)
class SandboxEndpoints:
    """Where a running sandbox answers: one base URL per system, and the log directory."""

    salesforce: str
    stripe: str
    netsuite: str
    zendesk: str
    slack: str
    ecb: str
    log_dir: Path


SLACK_CHANNELS = ("sync-alerts", "finance-ops", "revops", "exec-kpis")
"""The channels the local Slack stand-in has: those the default alert rules and report use."""


def build_apps(
    world: World, clock: SimulatedClock, spec: WorldSpec, credentials: SandboxCredentials
) -> dict[str, ASGIApp]:
    """One simulator per system over ``world``, all reading the same clock, Slack and the ECB."""
    profile = spec.profile
    return {
        "salesforce": create_salesforce_app(
            world, clock, spec.seed, profile.transport_for("salesforce"), credentials.salesforce
        ),
        "stripe": create_stripe_app(
            world, clock, spec.seed, profile.transport_for("stripe"), credentials.stripe.api_key
        ),
        "netsuite": create_netsuite_app(
            world, clock, spec.seed, profile.transport_for("netsuite"), credentials.netsuite
        ),
        "zendesk": create_zendesk_app(
            world,
            clock,
            spec.seed,
            profile.transport_for("zendesk"),
            credentials.zendesk.email,
            credentials.zendesk.api_token,
            export_per_minute=profile.zendesk_export_per_minute,
        ),
        "slack": SlackStandIn(
            credentials.slack_token,
            channels=SLACK_CHANNELS,
            users=DEMO_PEOPLE,
            app_token=credentials.slack_app_token,
        ).app,
        "ecb": create_ecb_app(world, clock, (spec.now - profile.history).date()),
    }


def log_writer(spec: WorldSpec, log_dir: Path) -> MiddlewareLogWriter:
    """The writer of ``spec``'s middleware log in ``log_dir``, which it claims for the world.

    Raises ``LogFolderError`` when the folder holds another world's log files.
    """
    claim_log_folder(log_dir, spec.identity())
    profile = spec.profile
    return MiddlewareLogWriter(
        log_dir,
        profile.log_rotate_bytes,
        stragglers=profile.motion.log_stragglers,
        replays_across_rotation=profile.motion.log_replays_across_rotation,
    )


def log_tick(
    world: World, now: Callable[[], datetime], writer: MiddlewareLogWriter
) -> Callable[[], None]:
    """A job that writes every middleware log line stamped up to the clock's now."""

    def tick() -> None:
        writer.write_until(world.log_events, now())

    return tick


async def _serve_until_signalled(
    apps: dict[str, ASGIApp],
    ports: SandboxPorts,
    host: str,
    tick: Callable[[], None],
    on_ready: Callable[[dict[str, str]], None],
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    handled = (signal.SIGINT, signal.SIGTERM)
    for sig in handled:
        loop.add_signal_handler(sig, stop.set)
    try:
        await run_servers(apps, asdict(ports), host=host, tick=tick, on_ready=on_ready, stop=stop)
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)


def serve(
    spec: WorldSpec,
    *,
    log_dir: Path,
    host: str = "127.0.0.1",
    ports: SandboxPorts | None = None,
    speed: float = 0.0,
    credentials: SandboxCredentials | None = None,
    on_ready: Callable[[SandboxEndpoints], None] | None = None,
) -> None:
    """Generate the world and serve it until SIGINT or SIGTERM; ``on_ready`` gets the URLs.

    Refuses (``LogFolderError``) a ``log_dir`` holding another world's log files.
    """
    writer = log_writer(spec, log_dir)
    world = generate_world(spec)
    clock = SimulatedClock(spec.now, speed)
    apps = build_apps(world, clock, spec, credentials or SandboxCredentials())
    tick = log_tick(world, clock.now, writer)

    def announce(urls: dict[str, str]) -> None:
        if on_ready is not None:
            on_ready(SandboxEndpoints(**urls, log_dir=log_dir))

    asyncio.run(_serve_until_signalled(apps, ports or SandboxPorts(), host, tick, announce))
