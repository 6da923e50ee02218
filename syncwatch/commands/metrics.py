"""``syncwatch compute`` and ``status``: the machine-readable interface (``exceptions`` lists
the items behind the numbers: syncwatch/commands/exceptions.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated

import typer
from rich.table import Table

from metrics.engine import compute as compute_metrics
from metrics.results import status_document
from syncwatch.commands.common import context_of, out

JsonOption = Annotated[bool, typer.Option("--json", help="Print the JSON document.")]


def one_of(choices: tuple[str, ...]) -> Callable[[str | None], str | None]:
    """An option callback refusing, with the list of choices, a value not among them."""

    def check(value: str | None) -> str | None:
        if value is not None and value not in choices:
            raise typer.BadParameter(f"{value!r} is not one of: {', '.join(choices)}")
        return value

    return check


def compute(
    ctx: typer.Context,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Read every record, even where the last compute's results could be reused.",
        ),
    ] = False,
) -> None:
    """Compute every metric and exception item once, as of --now (default: the wall clock).

    Incremental when the last compute allows it: only the records written since are read again.
    """
    context = context_of(ctx)
    evaluation = compute_metrics(
        context.database(), context.settings(required=False), context.clock.now(), full=full
    )
    kind = "incremental" if evaluation.incremental else "full"
    out.print(
        f"computed {len(evaluation.metrics)} metric values and "
        f"{evaluation.open_exceptions} open exception items as of "
        f"{evaluation.evaluated_at.isoformat()} in {evaluation.duration_ms} ms ({kind})"
    )


def status(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The latest computed metric values."""
    context = context_of(ctx)
    with context.database().connection() as conn:
        document = status_document(conn, context.clock.frozen)
    if as_json:
        print(json.dumps(document, indent=2))
        return
    table = Table("metric", "labels", "value", "unit", title=f"as of {document['evaluated_at']}")
    for m in document["metrics"]:
        labels = ", ".join(f"{k}={v}" for k, v in m["labels"].items())
        table.add_row(m["name"], labels, f"{m['value']:,}", m["unit"])
    out.print(table)
