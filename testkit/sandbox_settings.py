"""A complete syncwatch configuration pointing at a running sandbox, loaded the normal way."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import Settings, load_settings
from testkit.running_sandbox import RunningSandbox

CONFIG = """
timezone: UTC
sources:
  salesforce:
    type: salesforce
    base_url: {salesforce}
    auth: {{method: client_credentials, client_id_env: T_SF_ID, client_secret_env: T_SF_SECRET}}
    backoff_initial: 10ms
  stripe:
    type: stripe
    base_url: {stripe}
    api_key_env: T_STRIPE_KEY
    backoff_initial: 10ms
  netsuite:
    type: netsuite
    base_url: {netsuite}
    account_id: {account_id}
    auth:
      method: oauth1
      consumer_key_env: T_NS_CK
      consumer_secret_env: T_NS_CS
      token_id_env: T_NS_TID
      token_secret_env: T_NS_TS
    backoff_initial: 10ms
  zendesk:
    type: zendesk
    base_url: {zendesk}
    email: {zendesk_email}
    api_token_env: T_ZD_TOKEN
    exports_per_minute: 600
    backoff_initial: 10ms
  middleware:
    type: middleware_logs
    path: {log_dir}/*.jsonl
"""


def sandbox_settings(
    sandbox: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Settings for every source of ``sandbox``, with its credentials in the environment."""
    creds = sandbox.credentials
    for name, value in {
        "T_SF_ID": creds.salesforce.client_id,
        "T_SF_SECRET": creds.salesforce.client_secret,
        "T_STRIPE_KEY": creds.stripe.api_key,
        "T_NS_CK": creds.netsuite.consumer_key,
        "T_NS_CS": creds.netsuite.consumer_secret,
        "T_NS_TID": creds.netsuite.token_id,
        "T_NS_TS": creds.netsuite.token_secret,
        "T_ZD_TOKEN": creds.zendesk.api_token,
    }.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "syncwatch.yaml"
    path.write_text(
        CONFIG.format(
            **sandbox.urls,
            account_id=creds.netsuite.account_id,
            zendesk_email=creds.zendesk.email,
            log_dir=sandbox.log_dir,
        ),
        encoding="utf-8",
    )
    return load_settings(path)
