"""Block Kit rendering: golden JSON per message type and state, and Slack's limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from alerts.messages import ReportLine, ReportMessage, ReportSection
from alerts.slack import MAX_FALLBACK, SlackPayload, render
from core.display import duration, metric_value
from sandbox.block_kit import block_kit_problems
from tests.alerts import samples
from tests.alerts.golden import assert_golden, block_kit_json


def assert_within_limits(payload: SlackPayload) -> None:
    """What Slack would refuse: too many or too large blocks, or a missing/oversized text."""
    assert block_kit_problems(payload.blocks) == []
    assert 0 < len(payload.text) <= MAX_FALLBACK


GOLDEN_CASES: dict[str, Any] = {
    "alert_acknowledged": samples.acknowledged_alert(),
    "alert_firing": samples.posting_alert("firing"),
    "alert_updated": samples.posting_alert("updated"),
    "alert_resolved": samples.posting_alert("resolved"),
    "alert_stale": samples.posting_alert("stale"),
    "alert_truncated": samples.lag_alert(flows=60, records=12),
    "thread_reply": samples.reply(),
}


@pytest.mark.parametrize("name", sorted(GOLDEN_CASES))
def test_golden_block_kit(name: str) -> None:
    payload = render(GOLDEN_CASES[name])
    assert_within_limits(payload)
    assert_golden(f"{name}.json", block_kit_json(payload))


def test_firing_alert_names_what_breached_money_and_records() -> None:
    payload = render(samples.posting_alert())
    blob = json.dumps(payload.blocks, ensure_ascii=False)
    assert payload.blocks[0]["text"]["text"].startswith(":red_circle: Invoices failing")
    assert "*42* (threshold &gt; 10)" in blob
    assert "$12,345.67\\n¥1,000,000" in blob
    assert "stripe `in_0001` · salesforce `001A00001`" in blob
    assert (
        "<http://dash.example/integration/records/stripe/invoice/in_0001|Invoice INV-0001>" in blob
    )
    assert "…and 39 more records" in blob
    assert "&lt;after retries&gt;" in blob
    assert "*81.2%* (threshold &lt; 95.0%)" in blob
    assert payload.text.startswith("[FIRING] Invoices failing to post to NetSuite")


def test_resolved_alert_is_clearly_marked() -> None:
    payload = render(samples.posting_alert("resolved"))
    assert payload.blocks[0]["text"]["text"].startswith(":large_green_circle: Resolved: ")
    assert ":white_check_mark: *Resolved*" in payload.blocks[1]["text"]["text"]
    assert "after 2 h 5 min" in payload.blocks[1]["text"]["text"]
    assert payload.text.startswith("[RESOLVED]")


def test_oversized_alert_is_truncated_gracefully() -> None:
    payload = render(samples.lag_alert(flows=60, records=12))
    assert len(payload.blocks) == 50
    assert len(payload.blocks[0]["text"]["text"]) == 150
    notes = [b for b in payload.blocks if b["type"] == "context"]
    assert notes[0]["elements"][0]["text"] == "…and 38 more flows"
    assert "…and 7 more records" in json.dumps(payload.blocks, ensure_ascii=False)


def test_huge_texts_stay_within_limits() -> None:
    reply = render(samples.reply("x" * 200_000))
    assert_within_limits(reply)
    assert len(reply.blocks) == 50
    lines = [ReportLine(label=f"line {i} " + "y" * 80, value=str(i)) for i in range(500)]
    report = ReportMessage(
        title="T" * 300,
        period="2026-W47",
        headline="h" * 5000,
        sections=[ReportSection(title=f"S{i}", lines=lines) for i in range(80)],
        dashboard_url="http://dash.example",
    )
    rendered = render(report)
    assert_within_limits(rendered)
    assert "…and 36 more sections" in json.dumps(rendered.blocks, ensure_ascii=False)
    assert len(rendered.blocks) == 50


def test_values_by_unit() -> None:
    assert duration(45) == "45 s"
    assert duration(3 * 86400 + 4 * 3600 + 5) == "3 d 4 h"
    assert metric_value(7260, "seconds") == "2 h 1 min"
    assert metric_value(0.975, "ratio") == "97.5%"
    assert metric_value(1234.0, "count") == "1,234"
    assert metric_value(150000, "minor", {"currency": "JPY"}) == "¥150,000"
    assert metric_value(float("nan"), "count") == "—"


def test_hostile_names_ids_and_labels_cannot_mention_link_or_break_out() -> None:
    message = samples.posting_alert()
    hostile = "<!channel> <http://evil.example|click> & <@U123>"
    line = message.lines[0]
    record = line.top_records[0].model_copy(
        update={"label": hostile, "ids": {"stripe": f"in_`{hostile}`"}}
    )
    line = line.model_copy(update={"labels": {"flow": hostile}, "top_records": [record]})
    payload = render(message.model_copy(update={"lines": [line], "summary": hostile}))
    blob = json.dumps(payload.as_dict(), ensure_ascii=False)
    assert "<!channel>" not in blob and "<@U123>" not in blob
    assert "<http://evil.example" not in blob
    assert "&lt;!channel&gt;" in blob and "&amp;" in blob
    assert_within_limits(payload)
