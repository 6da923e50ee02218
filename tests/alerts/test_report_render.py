"""The weekly report's sibling renderers, each pinned by golden files of the same messages."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from alerts.messages import ReportMessage
from alerts.report_html import to_html
from alerts.report_markdown import to_markdown
from alerts.slack import render
from alerts.weekly import WeeklyReport
from alerts.weekly_message import report_message
from core.config import Settings
from sandbox.block_kit import block_kit_problems
from tests.alerts import samples
from tests.alerts.golden import assert_golden, block_kit_json

SETTINGS = Settings(timezone="Europe/Berlin", dashboard_url="http://dash.example/executive")

REPORTS: dict[str, Callable[[], WeeklyReport]] = {
    "weekly_report": samples.weekly_report,
    "weekly_report_quiet": samples.quiet_weekly_report,
}
RENDERERS: dict[str, Callable[[ReportMessage], str]] = {
    "md": to_markdown,
    "html": to_html,
    "json": lambda message: block_kit_json(render(message)),
}


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
@pytest.mark.parametrize("report", sorted(REPORTS))
def test_golden_report(report: str, renderer: str) -> None:
    message = report_message(REPORTS[report](), SETTINGS)
    assert_golden(f"{report}.{renderer}", RENDERERS[renderer](message))


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_block_kit_report_stays_within_slack_limits(report: str) -> None:
    payload = render(report_message(REPORTS[report](), SETTINGS))
    assert block_kit_problems(payload.blocks) == []


def test_markdown_keeps_source_text_as_text() -> None:
    hostile = "in_[x](http://evil.example) ![i](http://evil.example/i.png) <b>**b**</b> | `c`"
    report = samples.weekly_report()
    top = report.top_exceptions[0].model_copy(update={"external_id": hostile})
    message = report_message(report.model_copy(update={"top_exceptions": [top]}), SETTINGS)
    row = next(line for line in to_markdown(message).splitlines() if "evil" in line)
    assert row.startswith("| Stripe invoice in\\_\\[x\\](http://evil.example) \\!\\[i\\]")
    assert "\\<b\\>\\*\\*b\\*\\*\\</b\\> \\| \\`c\\`" in row
