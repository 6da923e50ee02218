"""The product agrees with the sandbox's ground truth, to the record.

Each world is collected through the real collectors over HTTP, computed in PostgreSQL, and
what ``syncwatch status --json`` and ``syncwatch exceptions --json`` print is compared with
``sandbox manifest`` as JSON documents: every metric value, and every exception's record,
labels and money, unfiltered and through each ``--metric`` and ``--flow`` filter. One world
is judged with an amount-mismatch tolerance, given to the ground truth in minor units.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from collectors.registry import build_connector
from collectors.runner import collect_source
from core.clock import Clock
from core.config.flows import FLOW_NAMES
from core.config.metrics import MetricSettings
from core.database import Database
from core.sqlfiles import names
from metrics.engine import compute
from sandbox.manifest import build_manifest
from sandbox.profile import Profile
from syncwatch.cli import app
from testkit.running_sandbox import NOW, profile_with, running_sandbox
from testkit.sandbox_settings import sandbox_settings

HEAVY_FAULTS = {
    "never_synced_erp": 0.08,
    "never_synced_billing": 0.06,
    "duplicate_erp_customers": 0.05,
    "orphan_erp_customers": 0.05,
    "orphan_billing_customers": 0.05,
    "deleted_accounts": 0.05,
    "stuck_amendments": 0.3,
    "posting_failed": 0.05,
    "posting_dead_letter": 0.04,
    "posting_failed_then_succeeded": 0.05,
    "silent_misses": 0.04,
    "amount_mismatches": 0.05,
    "payment_not_synced": 0.05,
    "payment_failed_then_synced": 0.05,
    "clock_skew": 0.03,
    "duplicate_log_lines": 0.05,
}
FLAKY_WIRE = {
    system: {"rate_limited": 0.15, "server_errors": 0.05, "retry_after": "0s"}
    for system in ("salesforce", "stripe", "netsuite", "zendesk")
}

# One cent, one yen: the sandbox's off-by-one-minor-unit mismatches fall within it.
TOLERANCE = {"default": "0.01", "JPY": 1}
TOLERANCE_MINOR = {"USD": 1, "EUR": 1, "GBP": 1, "JPY": 1}

CASES: dict[str, tuple[int, Profile, dict[str, Any]]] = {
    "seed 3, default faults": (3, profile_with("default", accounts=150), {}),
    "seed 42, heavy faults, a tolerance of one minor unit": (
        42,
        profile_with("default", accounts=150, faults=HEAVY_FAULTS),
        TOLERANCE,
    ),
    "seed 11, clean world": (11, profile_with("clean", accounts=100), {}),
    "seed 8, default faults over a flaky wire": (
        8,
        profile_with("default", accounts=120, transport=FLAKY_WIRE),
        {},
    ),
}


def metric_key(m: dict[str, Any]) -> tuple[str, str]:
    return m["name"], json.dumps(m["labels"], sort_keys=True)


def exception_key(e: dict[str, Any]) -> tuple[Any, ...]:
    return (
        e["metric"], json.dumps(e["labels"], sort_keys=True), e["system"], e["object_type"],
        e["external_id"], e["amount_minor"], e["currency"],
    )  # fmt: skip


def syncwatch_json(db: Database, *args: str) -> dict[str, Any]:
    """What ``syncwatch <args> --json`` prints against ``db``, parsed."""
    result = CliRunner().invoke(app, [*args, "--json"], env={"DATABASE_URL": db.url})
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def count(document: dict[str, Any], metric: str) -> float:
    """A count metric summed over its series."""
    return sum(m["value"] for m in document["metrics"] if m["name"] == metric)


def exception_keys(exceptions: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted(map(exception_key, exceptions))


@pytest.mark.parametrize("case", list(CASES))
def test_status_and_exceptions_match_the_manifest(
    case: str, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed, profile, tolerance = CASES[case]
    profile = profile.model_copy(update={"zendesk_export_per_minute": 600})
    with running_sandbox(tmp_path, seed=seed, profile=profile) as sandbox:
        settings = sandbox_settings(sandbox, tmp_path, monkeypatch)
        settings = settings.model_copy(
            update={"metrics": MetricSettings.model_validate({"mismatch_tolerance": tolerance})}
        )
        clock = Clock(NOW)
        for name, source in settings.sources.items():
            connector = build_connector(name, source, clock=clock)
            try:
                outcome = collect_source(db, connector, clock=clock)
            finally:
                connector.close()
            assert outcome.healthy, outcome.problems
        compute(db, settings, NOW)
        manifest = build_manifest(sandbox.spec, tolerance=TOLERANCE_MINOR if tolerance else None)
        if tolerance:
            exact = build_manifest(sandbox.spec)
            assert count(manifest, "amount_mismatches") < count(exact, "amount_mismatches")

    status = syncwatch_json(db, "status")
    exceptions = syncwatch_json(db, "exceptions")["exceptions"]
    assert status["evaluated_at"] == manifest["evaluated_at"] == "2026-11-20T12:00:00Z"

    product = {
        metric_key(m): m["value"]
        for m in status["metrics"]
        if not m["name"].startswith(("collector_", "scheduler_"))
    }
    truth = {metric_key(m): m["value"] for m in manifest["metrics"]}
    assert product == truth

    truth_items = manifest["exceptions"]
    assert exception_keys(exceptions) == exception_keys(truth_items)
    assert truth_items, "the world should hold exceptions to compare"
    if profile.faults.payment_failed_then_synced:
        for metric in ("payment_posting_failures", "payment_silent_misses", "amount_mismatches"):
            assert count(manifest, metric), f"the world should hold {metric}"

    for metric in names("exceptions"):
        listed = syncwatch_json(db, "exceptions", "--metric", metric)["exceptions"]
        expected = [e for e in truth_items if e["metric"] == metric]
        assert exception_keys(listed) == exception_keys(expected), metric
    for flow in FLOW_NAMES:
        listed = syncwatch_json(db, "exceptions", "--flow", flow)["exceptions"]
        expected = [e for e in truth_items if e["labels"].get("flow") == flow]
        assert exception_keys(listed) == exception_keys(expected), flow
