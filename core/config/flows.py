"""Flows: which records must reach which system, and how fast."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal, get_args

from core.config.base import ConfigModel
from core.durations import PositiveDuration

Owner = Literal["finance", "revops", "integration"]
FlowName = Literal[
    "account_crm_to_erp",
    "account_crm_to_billing",
    "amendment_crm_to_billing",
    "invoice_billing_to_erp",
    "payment_billing_to_erp",
]
FLOW_NAMES: tuple[str, ...] = get_args(FlowName)


class FlowSettings(ConfigModel):
    """A flow's service level and owner."""

    sla: PositiveDuration
    owner: Owner
    enabled: bool = True


def default_flows() -> dict[FlowName, FlowSettings]:
    """The five default flows with their SLAs."""
    hours = timedelta(hours=1)
    return {
        "account_crm_to_erp": FlowSettings(sla=24 * hours, owner="revops"),
        "account_crm_to_billing": FlowSettings(sla=24 * hours, owner="revops"),
        "amendment_crm_to_billing": FlowSettings(sla=4 * hours, owner="revops"),
        "invoice_billing_to_erp": FlowSettings(sla=hours, owner="finance"),
        "payment_billing_to_erp": FlowSettings(sla=24 * hours, owner="finance"),
    }


class FlowOverrides(ConfigModel):
    """Per-flow overrides of the defaults; a flow left out keeps its default."""

    sla: PositiveDuration | None = None
    owner: Owner | None = None
    enabled: bool | None = None


def merge_flows(overrides: dict[FlowName, FlowOverrides]) -> dict[FlowName, FlowSettings]:
    """Apply overrides to the default flows."""
    flows = default_flows()
    for name, o in overrides.items():
        base = flows[name]
        flows[name] = FlowSettings(
            sla=o.sla or base.sla,
            owner=o.owner or base.owner,
            enabled=base.enabled if o.enabled is None else o.enabled,
        )
    return flows
