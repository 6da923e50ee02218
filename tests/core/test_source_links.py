"""Links to a record's page in its own system, built from each source's configured web_url."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from core.config.sources import Source
from core.source_links import source_record_url

SOURCES = TypeAdapter(dict[str, Source]).validate_python(
    {
        "crm": {
            "type": "salesforce", "base_url": "https://acme.my.salesforce.com",
            "web_url": "https://acme.lightning.force.com/",
            "auth": {"method": "client_credentials", "client_id_env": "A",
                     "client_secret_env": "B"},
        },
        "billing": {"type": "stripe", "api_key_env": "K", "web_url": "https://dashboard.stripe.com"},
        "erp": {
            "type": "netsuite", "base_url": "https://1234567.suitetalk.api.netsuite.com",
            "account_id": "1234567", "web_url": "https://1234567.app.netsuite.com",
            "auth": {"method": "oauth2", "token_env": "T"},
        },
        "support": {
            "type": "zendesk", "base_url": "https://acme.zendesk.com", "email": "a@acme.com",
            "api_token_env": "Z", "web_url": "https://acme.zendesk.com",
        },
    }
)  # fmt: skip


@pytest.mark.parametrize(
    ("system", "kind", "record", "url"),
    [
        ("salesforce", "account", "001A", "https://acme.lightning.force.com/lightning/r/Account/001A/view"),
        ("salesforce", "amendment", "a1Q",
         "https://acme.lightning.force.com/lightning/r/SBQQ__Quote__c/a1Q/view"),
        ("stripe", "invoice", "in_1", "https://dashboard.stripe.com/invoices/in_1"),
        ("stripe", "customer", "cus_1", "https://dashboard.stripe.com/customers/cus_1"),
        ("stripe", "subscription", "sub_1", "https://dashboard.stripe.com/subscriptions/sub_1"),
        ("netsuite", "invoice", "339001",
         "https://1234567.app.netsuite.com/app/accounting/transactions/custinvc.nl?id=339001"),
        ("netsuite", "customer", "2156",
         "https://1234567.app.netsuite.com/app/common/entity/custjob.nl?id=2156"),
        ("zendesk", "ticket", "42", "https://acme.zendesk.com/agent/tickets/42"),
        ("zendesk", "organization", "7", "https://acme.zendesk.com/agent/organizations/7"),
    ],
)  # fmt: skip
def test_each_kind_links_to_its_page(system: str, kind: str, record: str, url: str) -> None:
    assert source_record_url(SOURCES, system, kind, record) == url


def test_ids_are_percent_encoded_so_they_stay_one_path_segment() -> None:
    url = source_record_url(SOURCES, "stripe", "invoice", "in_[x](http://evil/id)?a=1#b")
    assert (
        url
        == "https://dashboard.stripe.com/invoices/in_%5Bx%5D%28http%3A%2F%2Fevil%2Fid%29%3Fa%3D1%23b"
    )


def test_no_link_without_a_web_url_or_a_page_for_the_kind() -> None:
    assert source_record_url(SOURCES, "stripe", "subscription_change", "evt_1") is None
    assert source_record_url({}, "stripe", "invoice", "in_1") is None
    bare = TypeAdapter(dict[str, Source]).validate_python(
        {"billing": {"type": "stripe", "api_key_env": "K"}}
    )
    assert source_record_url(bare, "stripe", "invoice", "in_1") is None


@pytest.mark.parametrize("web_url", ["dashboard.stripe.com", "ftp://x", "https://x/?a=1"])
def test_a_web_url_must_be_a_plain_http_address(web_url: str) -> None:
    with pytest.raises(ValidationError, match="web_url"):
        TypeAdapter(dict[str, Source]).validate_python(
            {"billing": {"type": "stripe", "api_key_env": "K", "web_url": web_url}}
        )
