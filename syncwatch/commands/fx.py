"""``syncwatch fx``: load the ECB's euro reference rates that money totals are converted at."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from core.display import rate_day
from core.fx.load import load_rates
from syncwatch.commands.common import context_of, out

app = typer.Typer(help="Euro foreign exchange reference rates (ECB).", no_args_is_help=True)


@app.command()
def load(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Argument(
            help="File or http(s) URL of ECB reference rates: eurofxref-daily.xml, "
            "-hist-90d.xml, -hist.xml, eurofxref.csv or eurofxref-hist.csv."
        ),
    ],
) -> None:
    """Load (or load again) the rates of SOURCE; nothing is written unless all of it reads."""
    context = context_of(ctx)
    db = context.database()
    stored = load_rates(db, source, context.clock.now())
    out.print(
        Text.assemble(
            ("loaded", "bold green"),
            f" {stored.dates:,} dates × {stored.currencies:,} currencies, newest ",
            (rate_day(stored.newest), "bold"),
            f" — {stored.written:,} rates new or changed — from {source}",
        )
    )
