"""SLA attainment against its target: the targets come from the alert rules in force."""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped]

from app.attainment import Attainment, headline, targets
from core.config import Settings
from metrics.flows import FLOWS

FLOWS_ = list(FLOWS)


def test_the_built_in_rules_set_every_flow_to_95_percent() -> None:
    assert targets(Settings(), FLOWS_) == dict.fromkeys(FLOWS_, 0.95)


def test_a_configured_rule_for_one_flow_sets_that_flow_s_target() -> None:
    rule = {"name": "sla-attainment.invoice_billing_to_erp", "metric": "sla_attainment",
            "labels": {"flow": "invoice_billing_to_erp"}, "op": "<", "threshold": 0.99}  # fmt: skip
    found = targets(Settings.model_validate({"alerts": {"rules": [rule]}}), FLOWS_)
    assert found["invoice_billing_to_erp"] == 0.99
    assert {f: t for f, t in found.items() if f != "invoice_billing_to_erp"} == dict.fromkeys(
        [f for f in FLOWS_ if f != "invoice_billing_to_erp"], 0.95
    )


def test_a_rule_for_every_flow_sets_them_all_when_the_defaults_are_off() -> None:
    rule = {"name": "attainment", "metric": "sla_attainment", "op": "<", "threshold": 0.9}
    settings = Settings.model_validate({"alerts": {"defaults": False, "rules": [rule]}})
    assert targets(settings, FLOWS_) == dict.fromkeys(FLOWS_, 0.9)


def test_the_headline_is_the_mean_of_the_flows_against_the_same_flows_last_week() -> None:
    weeks = pd.DataFrame(
        {
            "flow": ["account_crm_to_erp", "invoice_billing_to_erp", "payment_billing_to_erp"],
            "this_week": [1.0, 0.9, None],
            "last_week": [0.96, None, 0.5],
        }
    )
    goals = {"account_crm_to_erp": 0.95, "invoice_billing_to_erp": 0.85}
    # Payments had no item due this week: neither week counts it; invoices had none last week.
    assert headline(weeks, goals) == Attainment(
        this_week=0.95, last_week=0.96, target=0.95, flows=2, on_target=2
    )


def test_a_week_without_items_has_no_headline() -> None:
    empty = pd.DataFrame({"flow": [], "this_week": [], "last_week": []})
    assert headline(empty, {}) == Attainment(None, None, 0.95, 0, 0)
