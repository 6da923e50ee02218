"""Text typed by people or read from sources is printed as text, never parsed as Rich markup."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from core.clock import Clock
from core.database import Database
from syncwatch.cli import app
from syncwatch.context import AppContext

AT = datetime(2026, 11, 20, 12, tzinfo=UTC)
HOSTILE = "[/x][bold]eve"
Invoke = Callable[..., str]


@pytest.fixture
def run(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Invoke:
    config_file = tmp_path / "syncwatch.yaml"
    config_file.write_text("alerts:\n  defaults: false\n", encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", db.url)
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None) -> str:
        context = AppContext(config_path=config_file, clock=Clock(AT))
        result = runner.invoke(app, list(args), obj=context, input=stdin)
        context.close()
        assert result.exit_code == 0, result.output
        return result.output

    return invoke


def test_user_names_with_markup_are_listed_as_typed(run: Invoke) -> None:
    run("users", "add", HOSTILE, "--role", "finance", "--password-stdin", stdin="pw-eve-2026\n")
    assert HOSTILE in run("users", "list")


def test_silence_reasons_with_markup_are_listed_as_typed(run: Invoke) -> None:
    run("alerts", "silence", "--match", "flow=x", "--duration", "2h",
        "--reason", HOSTILE, "--by", "[red]al")  # fmt: skip
    listed = run("alerts", "silences")
    assert HOSTILE in listed and "[red]al" in listed
