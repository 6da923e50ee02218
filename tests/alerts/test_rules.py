"""Rules validate with the config and name the bad rule and field; the defaults cover everything."""

from __future__ import annotations

from pathlib import Path

import pytest

from alerts.conditions import condition_words, measured_words
from alerts.defaults import (
    JOB_FAILING,
    METRICS_STALE,
    SOURCE_UNHEALTHY,
    default_rules,
    effective_rules,
)
from alerts.dependencies import dependent_sources
from alerts.routing import TEAM_CHANNELS, route_for
from core.config import ConfigError, Settings, load_settings
from core.config.alerts import AlertRule
from core.config.flows import FLOW_NAMES

RULE = "    - {{name: invoice-failures, metric: posting_failures, route: '#fin', {extra}}}\n"
FLOW_METRICS = ("sla_breaches", "sla_attainment", "sync_lag_seconds", "sync_error_rate",
                "sync_dead_letters")  # fmt: skip
RECORD_METRICS = ("posting_failures", "silent_misses", "amount_mismatches", "stuck_amendments",
                  "unmatched_accounts", "duplicate_customers", "orphan_customers",
                  "payment_posting_failures", "payment_silent_misses")  # fmt: skip


def error_for(tmp_path: Path, extra: str) -> str:
    path = tmp_path / "syncwatch.yaml"
    path.write_text("alerts:\n  rules:\n" + RULE.format(extra=extra), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert message.startswith(f"{path}: alerts.rules[invoice-failures].")
    return message.removeprefix(f"{path}: alerts.rules[invoice-failures].")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("threshold: lots", "threshold: input should be a valid number"),
        ("threshold: 0, metric: posting_failure", "metric: unknown metric 'posting_failure'"),
        ("threshold: 0, for: soon", "for: must be a duration such as 90s"),
        ("threshold: 0, op: '=>'", "op: input should be '>', '>=', '<', '<=', '==' or '!='"),
        ("threshold: 5, resolve_threshold: 6", "resolve_threshold: must be at most the threshold"),
        ("threshold: 0, by: [flow]", "by: only meaningful with aggregate"),
        ("threshold: 0, severity: loud", "severity: input should be 'critical', 'warning'"),
        ("threshold: 0, owner: ops", "owner: input should be 'finance', 'revops'"),
        ("threshold: 0, repeat_interval: 0", "repeat_interval: must be a positive duration"),
        ("threshold: 0, thresold: 1", "thresold: unknown key"),
    ],
)
def test_bad_rule_names_rule_and_field(tmp_path: Path, extra: str, expected: str) -> None:
    assert error_for(tmp_path, extra).startswith(expected)


def test_missing_threshold(tmp_path: Path) -> None:
    assert error_for(tmp_path, "severity: info") == "threshold: required field is missing"


def test_hysteresis_and_aggregation_fields() -> None:
    rule = AlertRule.model_validate(
        {"name": "att", "metric": "sla_attainment", "op": "<", "threshold": 0.95,
         "resolve_threshold": 0.97, "for": "10m", "keep_firing_for": "30m", "route": "#x"}
    )  # fmt: skip
    assert rule.breaching(0.94) and not rule.breaching(0.96)
    assert not rule.recovered(0.96) and rule.recovered(0.97)
    assert rule.describe() == "sla_attainment < 0.95"
    summed = AlertRule.model_validate(
        {"name": "p", "metric": "posting_failures", "aggregate": "sum", "threshold": 0,
         "route": "#x"}
    )  # fmt: skip
    assert summed.describe() == "sum(posting_failures) > 0"


def _full_settings(repo_root: Path) -> Settings:
    return load_settings(repo_root / "examples" / "demo.yaml")


def test_default_rules_cover_every_flow_and_metric(repo_root: Path) -> None:
    settings = _full_settings(repo_root)
    rules = effective_rules(settings)
    names = [r.name for r in rules]
    assert len(names) == len(set(names))
    by_metric: dict[str, list[AlertRule]] = {}
    for rule in rules:
        by_metric.setdefault(rule.metric, []).append(rule)
    for metric in FLOW_METRICS:
        flows = {r.labels.get("flow") for r in by_metric[metric]}
        assert flows == set(FLOW_NAMES), metric
    for metric in RECORD_METRICS:
        assert metric in by_metric, metric
    freshness = {r.labels["source"] for r in by_metric["collector_freshness_seconds"]}
    assert freshness == set(settings.sources)
    assert {SOURCE_UNHEALTHY, METRICS_STALE} <= set(names)
    lag = next(r for r in rules if r.name == "sync-lag-p95.invoice_billing_to_erp")
    assert lag.threshold == 3600 and lag.labels["quantile"] == "p95"
    attainment = next(r for r in rules if r.name == "sla-attainment.account_crm_to_erp")
    assert attainment.op == "<" and attainment.resolve_threshold is not None
    assert {route_for(settings, r).channel for r in rules} == set(TEAM_CHANNELS.values())
    finance = next(r for r in rules if r.name == "posting-failures")
    assert (finance.owner, route_for(settings, finance).channel, finance.severity) == (
        "finance",
        "#finance-ops",
        "critical",
    )
    assert finance.aggregate == "sum"
    revops = next(r for r in rules if r.name == "unmatched-accounts")
    assert (revops.owner, route_for(settings, revops).channel) == ("revops", "#revops")
    for rule in rules:  # every business rule waits or holds a little: no alert on a blip
        if rule.metric not in ("collector_healthy", "metric_evaluation_age_seconds"):
            assert rule.for_ or rule.keep_firing_for or rule.metric.startswith("collector_")


def test_default_rules_depend_on_the_configured_sources(repo_root: Path) -> None:
    settings = _full_settings(repo_root)
    for metric in ("posting_failures", "payment_silent_misses"):
        assert dependent_sources(settings, metric, {}) == ["middleware", "netsuite", "stripe"]
    flow = {"flow": "account_crm_to_erp"}
    assert dependent_sources(settings, "sla_breaches", flow) == ["netsuite", "salesforce"]
    assert dependent_sources(settings, "collector_healthy", {"source": "stripe"}) == []


def test_disabled_flow_and_defaults_off() -> None:
    settings = Settings.model_validate({"flows": {"amendment_crm_to_billing": {"enabled": False}}})
    names = {r.name for r in default_rules(settings)}
    assert "stuck-amendments" not in names
    no_payments = Settings.model_validate({"flows": {"payment_billing_to_erp": {"enabled": False}}})
    assert {"payment-posting-failures", "payment-silent-misses"} <= names
    assert not {"payment-posting-failures", "payment-silent-misses"} & {
        r.name for r in default_rules(no_payments)
    }
    assert not any(n.endswith("amendment_crm_to_billing") for n in names)
    off = Settings.model_validate({"alerts": {"defaults": False}})
    assert [r.name for r in effective_rules(off)] == [SOURCE_UNHEALTHY, METRICS_STALE, JOB_FAILING]


def test_configured_rule_replaces_the_default_of_that_name() -> None:
    settings = Settings.model_validate(
        {"alerts": {"rules": [{"name": "posting-failures", "metric": "posting_failures",
                               "threshold": 5, "route": "#billing-oncall"}]}}
    )  # fmt: skip
    [rule] = [r for r in effective_rules(settings) if r.name == "posting-failures"]
    assert (rule.threshold, rule.route) == (5, "#billing-oncall")


@pytest.mark.parametrize(
    ("rule", "unit", "words"),
    [
        ({"metric": "sync_lag_seconds", "threshold": 3600,
          "labels": {"flow": "invoice_billing_to_erp", "quantile": "p95"}},
         "seconds", "p95 Sync lag (Invoices → ERP) above 1 h"),
        ({"metric": "sla_attainment", "op": "<", "threshold": 0.95,
          "labels": {"flow": "payment_billing_to_erp"}},
         "ratio", "SLA attainment (Payments → ERP) below 95.0%"),
        ({"metric": "posting_failures", "aggregate": "sum", "threshold": 0},
         "count", "Invoice failed to post"),
        ({"metric": "unmatched_accounts", "op": ">=", "threshold": 10,
          "labels": {"system": "netsuite"}},
         "count", "Account without customer (NetSuite) at or above 10"),
    ],
)  # fmt: skip
def test_a_condition_in_words(rule: dict[str, object], unit: str, words: str) -> None:
    """What a Slack message says breached: names, units and words, never the rule's syntax."""
    parsed = AlertRule.model_validate({"name": "r", **rule})
    assert condition_words(parsed, unit) == words


def test_a_missing_value_is_named_in_words() -> None:
    rule = AlertRule.model_validate({"name": "r", "metric": "sync_lag_seconds", "threshold": 1})
    labels = {"flow": "invoice_billing_to_erp", "quantile": "p95"}
    assert measured_words(rule, labels) == "Sync lag (Invoices → ERP)"
    assert measured_words(rule, {}) == "Sync lag"
