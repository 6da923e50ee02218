"""``syncwatch dashboard``: run the Streamlit app against this invocation's config and store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from core.config import ConfigError, Settings
from syncwatch.commands.common import context_of, ensure_ports_free, out, port_option

APP_SCRIPT = Path(__file__).resolve().parents[2] / "app" / "streamlit_app.py"


def dashboard(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, port_option("Port to listen on.")] = 8501,
) -> None:
    """Serve the role-based dashboard until interrupted."""
    ensure_ports_free(host, [("--port", port)])
    context = context_of(ctx)
    settings = context.settings(required=False)
    database = context.database()
    env = dict(os.environ)
    env[settings.database.url_env] = database.url
    config = context.resolved_config_path
    if config.exists():
        env["SYNCWATCH_CONFIG"] = str(config.resolve())
    # The server then reports each connection's own address, never one a loopback client names
    # in X-Forwarded-For: proxy mode trusts the proxy by that address.
    env["FORWARDED_ALLOW_IPS"] = ""
    # Streamlit shows an uncaught exception's message and traceback (our file paths, hosts)
    # to whoever has the page open; "none" shows a generic notice and keeps them in the log.
    # The "viewer" toolbar drops the developer's Deploy button and menu entries. Without a file
    # watcher, an upgrade of the installed files never offers people a "source changed" rerun.
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP_SCRIPT),
        "--server.address", host, "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--client.showErrorDetails", "none",
        "--client.toolbarMode", "viewer", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    # Secrets the server reads (OIDC) live in a private directory removed when it stops.
    with tempfile.TemporaryDirectory(prefix="syncwatch-dashboard-") as private:
        command += auth_options(settings, config, Path(private))
        out.print(f"dashboard on http://{host}:{port} (store {database.display_url})")
        server = subprocess.Popen(command, env=env)  # noqa: S603 - fixed argv
        # Stopping this command stops the server: signals are passed on, then it is waited for.
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda received, _: server.send_signal(received))
        code = server.wait()
    if code not in (0, -signal.SIGINT, -signal.SIGTERM):
        raise typer.Exit(code)


# The cookie secret signs the OIDC session cookie, which holds the person's claims: anyone who
# could guess it could sign in as anyone.
MIN_COOKIE_SECRET = 32


def auth_options(settings: Settings, config: Path, private: Path) -> list[str]:
    """Streamlit options for the sign-in mode, after checking the secrets it needs are set.

    For OIDC, Streamlit's ``st.login`` reads its provider from Streamlit secrets: they are
    written to ``private`` (a directory only this user can read) and passed as
    ``secrets.files``, so they never appear in a command line, a log or the repository.
    """
    auth = settings.auth
    if auth.mode == "proxy" and auth.proxy_secret_env is not None:
        _secret(config, "auth.proxy_secret_env", auth.proxy_secret_env)
    if auth.mode != "oidc" or auth.oidc is None:
        return []
    oidc = auth.oidc
    cookie_secret = _secret(config, "auth.oidc.cookie_secret_env", oidc.cookie_secret_env)
    if len(cookie_secret) < MIN_COOKIE_SECRET:
        raise ConfigError(
            f"{config}: auth.oidc.cookie_secret_env: {oidc.cookie_secret_env} must hold at "
            f"least {MIN_COOKIE_SECRET} characters (e.g. from `openssl rand -hex 32`)"
        )
    values = {
        "redirect_uri": oidc.redirect_uri,
        "cookie_secret": cookie_secret,
        "client_id": oidc.client_id,
        "client_secret": _secret(config, "auth.oidc.client_secret_env", oidc.client_secret_env),
        "server_metadata_url": oidc.metadata_url,
    }
    lines = ["[auth]", *(f"{key} = {_toml_string(v)}" for key, v in values.items())]
    lines += ["[auth.client_kwargs]", f"scope = {_toml_string(oidc.scope)}"]
    path = private / "secrets.toml"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write("\n".join(lines) + "\n")
    return ["--secrets.files", str(path)]


def _secret(config: Path, field: str, env_name: str) -> str:
    value = os.environ.get(env_name)
    if not value:
        raise ConfigError(
            f"{config}: {field}: environment variable {env_name} is not set "
            "(export it, or name another variable)"
        )
    return value


def _toml_string(value: str) -> str:
    # JSON's escapes are all TOML escapes. Unescaped (ensure_ascii off), characters beyond the
    # Basic Multilingual Plane need no surrogate pairs, which TOML lacks; DEL, which JSON leaves
    # as it is and TOML does not allow raw, is escaped by hand.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
