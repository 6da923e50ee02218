"""The flows syncwatch measures: which records must reach which system (SQL in sql/flows)."""

from __future__ import annotations

from dataclasses import dataclass

from core.config.flows import FlowName


@dataclass(frozen=True, slots=True)
class FlowDefinition:
    """Where a flow's items come from and where they must arrive."""

    name: FlowName
    source_system: str
    source_object: str
    target_system: str
    title: str


FLOWS: dict[FlowName, FlowDefinition] = {
    f.name: f
    for f in (
        FlowDefinition(
            "account_crm_to_erp", "salesforce", "account", "netsuite", "Accounts → ERP customers"
        ),
        FlowDefinition(
            "account_crm_to_billing",
            "salesforce",
            "account",
            "stripe",
            "Accounts → billing customers",
        ),
        FlowDefinition(
            "amendment_crm_to_billing",
            "salesforce",
            "amendment",
            "stripe",
            "Amendments → subscriptions",
        ),
        FlowDefinition("invoice_billing_to_erp", "stripe", "invoice", "netsuite", "Invoices → ERP"),
        FlowDefinition("payment_billing_to_erp", "stripe", "invoice", "netsuite", "Payments → ERP"),
    )
}


def flow_title(flow: object) -> str:
    """A flow's name in people's words (``Invoices → ERP``); an unknown id with spaces for its
    underscores."""
    definition = FLOWS.get(str(flow))  # type: ignore[call-overload]
    return definition.title if definition is not None else str(flow).replace("_", " ")
