"""What every subcommand module shares: the consoles and the per-invocation context."""

from __future__ import annotations

import typer
from rich.console import Console

from syncwatch.context import AppContext

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def context_of(ctx: typer.Context) -> AppContext:
    """The shared context a subcommand runs with."""
    obj = ctx.find_root().obj
    assert isinstance(obj, AppContext)
    return obj
