"""``syncwatch demo``: everything, on this machine, in one command; Ctrl-C stops it all."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from psycopg.conninfo import conninfo_to_dict

from core.clock import check_speed
from syncwatch.commands.common import context_of, ensure_ports_free, labelled, out, port_option
from syncwatch.demo import DEMO_USERS, DemoOptions, DemoStack, clock_start, demo_password


def demo(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Sandbox world seed.")] = 1,
    accounts: Annotated[int, typer.Option(help="Accounts in the simulated company.")] = 500,
    speed: Annotated[float, typer.Option(help="Simulated seconds per wall second.")] = 60.0,
    sandbox_port: Annotated[
        int, typer.Option(help="First of six sandbox ports.", min=1, max=65535 - 5)
    ] = 8701,
    dashboard_port: Annotated[int, port_option("Dashboard port.")] = 8501,
    metrics_port: Annotated[int, port_option("Prometheus /metrics port.")] = 9108,
    work_dir: Annotated[Path, typer.Option(help="Logs and generated config.")] = Path("var/demo"),
) -> None:
    """Start the store, a live sandbox company, the scheduler and the dashboard."""
    check_speed(speed)
    context = context_of(ctx)
    settings = context.settings()
    options = DemoOptions(
        seed, accounts, speed, sandbox_port, dashboard_port, metrics_port, work_dir
    )
    stack = DemoStack(options)
    # Every child listens on loopback; a taken port is named now, not after the store is set up.
    ensure_ports_free(
        "127.0.0.1",
        [("--sandbox-port", port) for port in stack.ports.values()]
        + [("--dashboard-port", dashboard_port), ("--metrics-port", metrics_port)],
    )
    store = context.database(migrated=False)
    where = (
        f"embedded PostgreSQL in {store.embedded.data_dir}" if store.embedded else store.display_url
    )
    start, anchor = clock_start()
    db, config = stack.prepare(store, settings, start)
    out.print(f"store: {where}, database {conninfo_to_dict(db.url).get('dbname')}, migrated")
    out.print(f"simulated time starts {start.isoformat()} and runs {speed:g}× faster")

    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    try:
        out.print("starting the sandbox, the scheduler and the dashboard…")
        stack.start(db, config, start, anchor)
        out.print()
        out.print(labelled("syncwatch is running:", stack.dashboard_url, "bold"))
        out.print("sign in as (user / password):")
        for user, roles in DEMO_USERS.items():
            out.print(f"  {user:<12} {demo_password(user):<22} {', '.join(roles)}")
        out.print(f"metrics: {stack.metrics_url}   Slack stand-in: "
                  f"http://127.0.0.1:{stack.ports['slack']}/api/   logs: {work_dir}/")  # fmt: skip
        out.print("Ctrl-C stops everything.")
        while not stop.wait(1.0):
            for line in stack.supervise():
                out.print(line)
    finally:
        out.print("stopping…")
        stack.stop()
        out.print("stopped.")
