"""``syncwatch run``: the scheduler and the Prometheus exporter, until SIGTERM or Ctrl-C."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from typing import Annotated

import typer

from core.logs import configure_logging
from metrics.exporter import serve_exporter
from syncwatch.commands.common import context_of, ensure_ports_free, out, port_option
from syncwatch.service import Service


def run(
    ctx: typer.Context,
    metrics_host: Annotated[
        str, typer.Option(help="Address of /metrics and /healthz.")
    ] = "0.0.0.0",  # noqa: S104
    metrics_port: Annotated[
        int | None, port_option("Port of /metrics and /healthz (default: metrics_port).")
    ] = None,
) -> None:
    """Run every job on its schedule and serve /metrics and /healthz; SIGTERM stops in 10 s."""
    configure_logging()
    context = context_of(ctx)
    settings = context.settings()
    port = metrics_port or settings.metrics_port
    ensure_ports_free(metrics_host, [("--metrics-port", port)])
    db = context.database()
    exporter = serve_exporter(db, context.clock, metrics_host, port)
    service = Service(db, settings, context.clock)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    service.start()
    out.print(f"syncwatch running: {len(service.scheduler.get_jobs())} jobs, "
              f"metrics on http://{metrics_host}:{port}/metrics")  # fmt: skip
    while not stop.wait(1.0):
        pass
    began = time.monotonic()
    abandoned = service.stop()
    exporter.shutdown()
    exporter.server_close()
    out.print(stopped_line(time.monotonic() - began, service.interrupted, abandoned))
    if abandoned:
        # The scheduler's worker threads are joined at interpreter exit, so a job blocked in a
        # query or a request would hold the process past the bound. Its open transaction is
        # rolled back when the connection drops, and its next run redoes the work.
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


def stopped_line(seconds: float, interrupted: list[str], abandoned: list[str]) -> str:
    """The one line ``run`` prints when it has stopped."""
    line = f"stopped in {seconds:.1f} s"
    if interrupted:
        line += (
            f"; interrupted {', '.join(interrupted)} after the last committed page "
            "(the next start resumes there)"
        )
    if abandoned:
        line += (
            f"; abandoned {', '.join(abandoned)} still running "
            "(its uncommitted work is rolled back and redone at the next start)"
        )
    return line
