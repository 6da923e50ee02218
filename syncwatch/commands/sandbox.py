"""``syncwatch sandbox``: the simulated company, its ground truth and its HTTP simulators."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError

from core.clock import check_speed
from core.durations import format_duration
from core.errors import SyncwatchError
from sandbox.generator import WorldSpec
from sandbox.profile import Profile, load_profile
from syncwatch.commands.common import (
    context_of,
    duration_option,
    ensure_ports_free,
    out,
    port_option,
)

app = typer.Typer(
    help="Run the simulated company the demo and the tests use.", no_args_is_help=True
)

SeedOption = Annotated[int, typer.Option(help="World seed: the same seed gives the same world.")]
ProfileOption = Annotated[
    str, typer.Option(help="Fault profile: default, clean, flaky, or a YAML file.")
]
AccountsOption = Annotated[
    int | None, typer.Option(help="Number of CRM accounts (overrides the profile).")
]
DEFAULT_HORIZON = timedelta(days=7)


class ProfileError(SyncwatchError):
    """An unreadable sandbox profile."""

    exit_code = 2


def resolve_profile(name_or_path: str, accounts: int | None) -> Profile:
    """Load a profile and apply the ``--accounts`` override, reporting problems in one line."""
    try:
        profile = load_profile(name_or_path)
        if accounts is not None:
            profile = profile.model_copy(update={"accounts": accounts})
            Profile.model_validate(profile.model_dump())
    except FileNotFoundError:
        raise ProfileError(
            f"--profile: {name_or_path!r} is neither a built-in profile nor a file"
        ) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ProfileError(f"{name_or_path}: {where}: {first['msg']}") from None
    return profile


@app.command()
def manifest(
    ctx: typer.Context,
    seed: SeedOption = 1,
    profile: ProfileOption = "default",
    accounts: AccountsOption = None,
) -> None:
    """Print the ground truth (every metric and exception the world holds) as JSON."""
    from sandbox.manifest import build_manifest

    now = context_of(ctx).clock.now().replace(microsecond=0)
    spec = WorldSpec(seed=seed, profile=resolve_profile(profile, accounts), now=now)
    out.print_json(json.dumps(build_manifest(spec)), indent=None, highlight=False)


@app.command()
def serve(
    ctx: typer.Context,
    seed: SeedOption = 1,
    profile: ProfileOption = "default",
    accounts: AccountsOption = None,
    speed: Annotated[
        float, typer.Option(help="Simulated seconds per wall second (0: frozen at --now).")
    ] = 0.0,
    horizon: Annotated[
        timedelta,
        duration_option(
            "How far past now the world runs in live mode, e.g. 7d.",
            show_default=format_duration(DEFAULT_HORIZON),
        ),
    ] = DEFAULT_HORIZON,
    log_dir: Annotated[Path, typer.Option(help="Where the middleware logs are written.")] = Path(
        "var/sandbox/logs"
    ),
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    salesforce_port: Annotated[int, port_option("Salesforce simulator port.")] = 8701,
    stripe_port: Annotated[int, port_option("Stripe simulator port.")] = 8702,
    netsuite_port: Annotated[int, port_option("NetSuite simulator port.")] = 8703,
    zendesk_port: Annotated[int, port_option("Zendesk simulator port.")] = 8704,
    slack_port: Annotated[int, port_option("Slack Web API stand-in port.")] = 8705,
    ecb_port: Annotated[int, port_option("ECB reference-rate files port.")] = 8706,
) -> None:
    """Serve the Salesforce, Stripe, NetSuite and Zendesk simulators, Slack and the ECB's
    reference rates until Ctrl-C."""
    from sandbox.server import SandboxEndpoints, SandboxPorts
    from sandbox.server import serve as serve_sandbox

    check_speed(speed)
    ports = SandboxPorts(
        salesforce_port, stripe_port, netsuite_port, zendesk_port, slack_port, ecb_port
    )
    ensure_ports_free(host, [(f"--{name}-port", port) for name, port in asdict(ports).items()])
    clock = context_of(ctx).clock
    # A running product clock (--speed) drives the world too, so both agree on now.
    speed = clock.speed or speed
    now = clock.now().replace(microsecond=0)
    spec = WorldSpec(
        seed=seed,
        profile=resolve_profile(profile, accounts),
        now=now,
        horizon=horizon if speed > 0 else timedelta(0),
    )

    def announce(endpoints: SandboxEndpoints) -> None:
        out.print(f"sandbox seed {seed}, profile {spec.profile.name}, now {now.isoformat()}")
        for system in ("salesforce", "stripe", "netsuite", "zendesk", "slack", "ecb"):
            out.print(f"  {system:<11} {getattr(endpoints, system)}")
        out.print(f"  {'logs':<11} {endpoints.log_dir.resolve()}")
        out.print("Ctrl-C stops it.")

    serve_sandbox(spec, log_dir=log_dir, host=host, ports=ports, speed=speed, on_ready=announce)
