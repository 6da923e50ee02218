"""The ``syncwatch`` command line."""

from __future__ import annotations

import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, NoReturn

import psycopg
import typer

from core import migrations
from core.clock import Clock, parse_instant, parse_speed
from core.errors import SyncwatchError
from syncwatch import __version__
from syncwatch.commands import (
    alerts,
    collect,
    dashboard,
    demo,
    exceptions,
    fx,
    matches,
    metrics,
    notify,
    report,
    run,
    sandbox,
    users,
)
from syncwatch.commands.common import context_of, err, labelled, out
from syncwatch.context import AppContext

app = typer.Typer(
    name="syncwatch",
    help="Watch the business side of SaaS system synchronisation: lag, gaps and money at risk.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
config_app = typer.Typer(help="Check the configuration file.", no_args_is_help=True)
db_app = typer.Typer(help="Create and upgrade the store's schema.", no_args_is_help=True)
app.add_typer(config_app, name="config")
app.add_typer(db_app, name="db")
app.add_typer(sandbox.app, name="sandbox")
app.add_typer(collect.sources_app, name="sources")
app.command()(collect.collect)
app.command()(metrics.compute)
app.command()(metrics.status)
app.add_typer(exceptions.app, name="exceptions")
app.add_typer(alerts.app, name="alerts")
app.add_typer(notify.app, name="notify")
app.add_typer(report.app, name="report")
app.add_typer(matches.app, name="matches")
app.add_typer(fx.app, name="fx")
app.add_typer(users.app, name="users")
app.command()(dashboard.dashboard)
app.command()(run.run)
app.command()(demo.demo)


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="YAML config (default: $SYNCWATCH_CONFIG or ./syncwatch.yaml)."
        ),
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(
            help="Evaluate as of this ISO 8601 instant (or $SYNCWATCH_NOW).", show_default=False
        ),
    ] = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            envvar="SYNCWATCH_DATA_DIR",
            help="Data directory of the embedded PostgreSQL (when DATABASE_URL is unset).",
        ),
    ] = None,
    speed: Annotated[
        float | None,
        typer.Option(
            help="Run simulated time this many times faster from --now (or $SYNCWATCH_SPEED).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Shared options; they go before the command name."""
    start = parse_instant(now) if now else _instant_from_env("SYNCWATCH_NOW")
    rate = speed if speed is not None else _speed_from_env("SYNCWATCH_SPEED")
    anchor = os.environ.get("SYNCWATCH_CLOCK_ANCHOR")
    context = AppContext(
        config_path=config,
        clock=Clock(
            start,
            speed=rate,
            anchor=float(anchor) if anchor else None,
        ),
        data_dir=data_dir,
    )
    ctx.obj = context
    ctx.call_on_close(context.close)


def _instant_from_env(name: str) -> datetime | None:
    value = os.environ.get(name)
    return parse_instant(value, option=name) if value else None


def _speed_from_env(name: str) -> float:
    value = os.environ.get(name)
    return parse_speed(value, option=name) if value else 0.0


@app.command()
def version() -> None:
    """Print the installed version."""
    out.print(f"syncwatch {__version__}")


@config_app.command("check")
def config_check(ctx: typer.Context) -> None:
    """Validate the config file and that every secret it names is set; exit 2 if not."""
    context = context_of(ctx)
    settings = context.settings()
    sources = ", ".join(f"{n} ({s.type})" for n, s in settings.sources.items()) or "none"
    out.print(f"{context.resolved_config_path}: ok — sources: {sources}")


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply pending schema migrations."""
    db = context_of(ctx).database(migrated=False)
    applied = migrations.upgrade(db)
    where = (
        db.display_url if db.embedded is None else f"embedded PostgreSQL in {db.embedded.data_dir}"
    )
    if applied:
        out.print(f"{where}: applied {', '.join(applied)}")
    else:
        out.print(f"{where}: already up to date")


@db_app.command("status")
def db_status(ctx: typer.Context) -> None:
    """Show the schema revision and any pending migrations; exit 1 when behind."""
    db = context_of(ctx).database(migrated=False)
    state = migrations.status(db)
    out.print(f"database: {db.display_url}")
    out.print(f"revision: {state.current or '(empty)'}   head: {state.head}")
    if state.pending:
        out.print(f"pending:  {', '.join(state.pending)} — run `syncwatch db upgrade`")
        raise typer.Exit(1)
    out.print("up to date")


def main() -> None:
    """Entry point: run the CLI, turning every failure into one line and an exit code."""
    try:
        code = app(prog_name="syncwatch", standalone_mode=False)
    except SyncwatchError as exc:
        _fail(str(exc), exc.exit_code)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        _fail(f"database error: {reason}", 1)
    except typer.TyperException as exc:
        _usage_error(exc)
    except typer.Abort:
        _fail("aborted", 1)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    # The safety net for a failure nothing above foresaw: still one line, with how to see more.
    except Exception as exc:
        reason = (str(exc).strip().splitlines() or [""])[0]
        _fail(
            f"unexpected {type(exc).__name__}: {reason} (run with SYNCWATCH_DEBUG=1 for details)",
            1,
        )
    sys.exit(code if isinstance(code, int) else 0)


def _usage_error(exc: typer.TyperException) -> NoReturn:
    """Click's usage errors (bad option, missing argument, value out of range) as one line."""
    # With no arguments a group has already printed its help; the exception only sets the code.
    if type(exc).__name__ == "NoArgsIsHelpError":
        sys.exit(exc.exit_code)
    ctx = getattr(exc, "ctx", None)
    command = ctx.command_path if ctx is not None else "syncwatch"
    _fail(f"{exc.format_message()} (see {command} --help)", exc.exit_code)


def _fail(message: str, code: int) -> NoReturn:
    if os.environ.get("SYNCWATCH_DEBUG"):
        raise
    err.print(labelled("error:", " ".join(message.split())))
    sys.exit(code)
