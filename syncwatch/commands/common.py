"""What every subcommand module shares: the consoles and the per-invocation context."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.text import Text

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
