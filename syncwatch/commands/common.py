"""What every subcommand module shares: the consoles and the per-invocation context."""

from __future__ import annotations

import errno
import socket
from datetime import timedelta
from typing import Any

import typer
from rich.console import Console
from rich.text import Text

from core.durations import parse_duration
from core.errors import SyncwatchError
from syncwatch.context import AppContext

# Markup is off: names, reasons and notes typed by people or read from sources are printed as
# text, never parsed as Rich markup. Styling goes through ``Text``.
out = Console(soft_wrap=True, markup=False, highlight=False)
err = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)


def labelled(label: str, message: str, style: str = "bold red") -> Text:
    """``label`` styled, then ``message`` as plain text."""
    return Text.assemble((label, style), " ", message)


def context_of(ctx: typer.Context) -> AppContext:
    """The shared context a subcommand runs with."""
    obj = ctx.find_root().obj
    assert isinstance(obj, AppContext)
    return obj


class PortUnavailableError(SyncwatchError):
    """A port a command would listen on is taken (or cannot be bound at all)."""


def duration_option(help_text: str, **options: Any) -> Any:
    """A duration option (30m, 2h, 7d, at most ten years): a bad one is a usage error."""
    return typer.Option(help=help_text, parser=_duration, metavar="DURATION", **options)


def _duration(value: str | timedelta) -> timedelta:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


def port_option(help_text: str) -> Any:
    """A TCP port option: 1 to 65535, anything else a usage error."""
    return typer.Option(help=help_text, min=1, max=65535)


def ensure_ports_free(host: str, ports: list[tuple[str, int]]) -> None:
    """Refuse, before anything starts, a port (with its option) that cannot be listened on.

    Servers set SO_REUSEADDR, so the probe does too: a port only in TIME_WAIT counts as free.
    """
    for option, port in ports:
        try:
            family, kind, proto, _, address = socket.getaddrinfo(
                host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
            )[0]
            with socket.socket(family, kind, proto) as probe:
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind(address)
        except OSError as exc:
            where = f"{host}:{port}"
            if exc.errno == errno.EADDRINUSE:
                raise PortUnavailableError(
                    f"{option}: {where} is already in use "
                    f"(stop what listens there, or pass another {option})"
                ) from None
            raise PortUnavailableError(
                f"{option}: cannot listen on {where}: {exc.strerror or exc} "
                f"(check the host, or pass another {option})"
            ) from None
