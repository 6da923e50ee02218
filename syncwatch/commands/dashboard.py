"""``syncwatch dashboard``: run the Streamlit app against this invocation's config and store."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from syncwatch.commands.common import context_of, out

APP_SCRIPT = Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py"


def dashboard(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8501,
) -> None:
    """Serve the role-based dashboard until interrupted."""
    context = context_of(ctx)
    settings = context.settings(required=False)
    database = context.database()
    env = dict(os.environ)
    env[settings.database.url_env] = database.url
    config = context.resolved_config_path
    if config.exists():
        env["SYNCWATCH_CONFIG"] = str(config.resolve())
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP_SCRIPT),
        "--server.address", host, "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    out.print(f"dashboard on http://{host}:{port} (store {database.display_url})")
    server = subprocess.Popen(command, env=env)  # noqa: S603 - fixed argv
    # Stopping this command stops the server: signals are passed on, then it is waited for.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda received, _: server.send_signal(received))
    code = server.wait()
    if code not in (0, -signal.SIGINT, -signal.SIGTERM):
        raise typer.Exit(code)
