"""The weekly report's sibling renderers, each pinned by golden files of the same reports.

Slack Block Kit, Markdown, HTML and the dashboard render the report message; the JSON document
is written from the report itself. ``UPDATE_GOLDEN=1`` rewrites the files on purpose.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Element, Table

from alerts.messages import ReportMessage, ReportTable
from alerts.report_html import to_html
from alerts.report_json import to_json
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
    "weekly_report_stored_before_changes": samples.stored_before_changes,
}


def _app_script(payload: str) -> None:
    """The dashboard's renderer alone, in a Streamlit script run by AppTest."""
    from alerts.messages import ReportMessage
    from app.report_view import show_report

    show_report(ReportMessage.model_validate_json(payload))


def _element_text(node: Element) -> list[str]:
    if isinstance(node, Table):
        frame = node.value
        rows = [list(frame.columns), *frame.astype(str).values.tolist()]
        return ["table:", *("| " + " | ".join(str(c) for c in row) + " |" for row in rows)]
    return [f"{node.type}: {node.value}"]


def to_app(message: ReportMessage) -> str:
    """What the dashboard's renderer hands Streamlit, element by element, in order."""
    at = AppTest.from_function(_app_script, args=(message.model_dump_json(),), default_timeout=60)
    at.run()
    assert not at.exception
    # Iterating a block walks it depth first: itself, its blocks and their elements.
    elements = [node for node in at.main if isinstance(node, Element)]
    return "\n".join(line for node in elements for line in _element_text(node)) + "\n"


RENDERERS: dict[str, Callable[[ReportMessage], str]] = {
    "md": to_markdown,
    "html": to_html,
    "slack.json": lambda message: block_kit_json(render(message)),
    "app.txt": to_app,
}


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
@pytest.mark.parametrize("report", sorted(REPORTS))
def test_golden_report(report: str, renderer: str) -> None:
    message = report_message(REPORTS[report](), SETTINGS)
    assert_golden(f"{report}.{renderer}", RENDERERS[renderer](message))


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_golden_json_document(report: str) -> None:
    assert_golden(f"{report}.json", to_json(REPORTS[report]()))


@pytest.mark.parametrize("report", sorted(REPORTS))
def test_block_kit_report_stays_within_slack_limits(report: str) -> None:
    payload = render(report_message(REPORTS[report](), SETTINGS))
    assert block_kit_problems(payload.blocks) == []


def test_a_report_stored_before_changes_shows_its_levels_instead() -> None:
    stored = json.loads(samples.stored_before_changes().model_dump_json())
    del stored["changes"], stored["new_risks"]
    message = report_message(WeeklyReport.model_validate(stored), SETTINGS)
    titles = [s.title for s in message.sections]
    assert "At risk at the end of the week" in titles
    assert "What changed this week" not in titles and "Largest new risks" not in titles


def test_the_change_table_words_each_figure_with_last_week_beside_it() -> None:
    message = report_message(samples.weekly_report(), SETTINGS)
    table = next(s for s in message.sections if isinstance(s, ReportTable))
    assert table.columns == ["Problem", "New", "Fixed", "Still open"]
    rows = {row.label: [(f.value, f.previous) for f in row.figures] for row in table.rows}
    assert rows["Invoice failed to post"] == [
        ("3 · ¥500,000, $4,200.00 (≈ $7,400.00)", "2 · $900.00"),
        ("1 · $900.00", "0"),
        ("4 · ¥500,000, $5,100.00 (≈ $8,300.00)", "2 · $900.00"),
    ]
    assert rows["Amount mismatch"][0][0] == (
        "1 · CHF\u00a0120.00, $1.00 (≈ $1.00; CHF left out: no rate)"
    )
    assert rows["Orphan customer (Stripe)"][0] == ("2", "0")
    assert "Past SLA (Invoices → ERP)" in rows
    # A metric with nothing in either week is named in the note, not given a row of zeros.
    assert "Clock skew" not in rows
    assert table.note is not None and table.note.endswith(
        "Totals ≈ in USD at the ECB rates of 20 Nov 2026. Nothing found in either week: Clock skew."
    )


def test_markdown_keeps_source_text_as_text() -> None:
    hostile = "in_[x](http://evil.example) ![i](http://evil.example/i.png) <b>**b**</b> | `c`"
    report = samples.weekly_report()
    top = report.top_exceptions[0].model_copy(update={"external_id": hostile})
    message = report_message(report.model_copy(update={"top_exceptions": [top]}), SETTINGS)
    row = next(line for line in to_markdown(message).splitlines() if "in\\_\\[x" in line)
    assert row.startswith("| Stripe invoice in\\_\\[x\\](http://evil.example) \\!\\[i\\]")
    assert "\\<b\\>\\*\\*b\\*\\*\\</b\\> \\| \\`c\\`" in row


def test_html_escapes_every_text() -> None:
    page = to_html(report_message(samples.weekly_report(), SETTINGS))
    assert "<b>" not in page.replace("<body>", "")
    assert "INV-0042 &lt;b&gt; · Acme *Corp* | [x](http://evil.example)" in page
    assert 'href="http://evil.example' not in page


def test_slack_cuts_a_long_change_table_and_keeps_the_later_sections() -> None:
    report = samples.weekly_report()
    assert report.changes is not None
    many = [
        change.model_copy(update={"labels": {"flow": f"flow_{i:02d}"}})
        for i in range(60)
        for change in report.changes[:1]
    ]
    payload = render(report_message(report.model_copy(update={"changes": many}), SETTINGS))
    assert block_kit_problems(payload.blocks) == []
    texts = json.dumps(payload.blocks, ensure_ascii=False)
    # 47 blocks before the divider and button: 5 above the table, 7 for the sections after it.
    assert len(payload.blocks) == 49
    assert "…and 28 more rows" in texts and "more sections" not in texts
    for later in ("*Largest new risks*", "*Largest open risks, per currency*", "*Alerts*"):
        assert later in texts
