"""``syncwatch exceptions`` refuses a filter that names no metric or flow, listing the choices."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from core.database import Database
from syncwatch.cli import app


@pytest.mark.parametrize(
    ("option", "value", "a_choice"),
    [
        ("--metric", "posting_failure", "posting_failures"),
        ("--flow", "invoices", "invoice_billing_to_erp"),
    ],
)
def test_an_unknown_filter_is_refused_with_the_choices(
    db: Database, option: str, value: str, a_choice: str
) -> None:
    result = CliRunner().invoke(
        app, ["exceptions", option, value, "--json"], env={"DATABASE_URL": db.url, "COLUMNS": "300"}
    )
    assert result.exit_code == 2
    assert f"Invalid value for '{option}': '{value}' is not one of:" in result.output
    assert a_choice in result.output
