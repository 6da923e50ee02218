"""Source systems: where each collector connects and how its records map to the store."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator

from core.config.base import ConfigModel, check_env_name
from core.durations import Duration, PositiveDuration

EnvName = Annotated[str, AfterValidator(check_env_name)]

MIB = 1024 * 1024


class RecordLimits(ConfigModel):
    """How much text one record may carry: beyond a limit it is quarantined, never stored."""

    max_field_chars: int = Field(
        10_000,
        ge=100,
        le=1_000_000,
        description="longest text value (a column or a string in the JSON) a record may hold",
    )
    # Ids are index keys: PostgreSQL refuses a B-tree entry over about 2,700 bytes, and 512
    # characters of four-byte UTF-8 stay under it.
    max_id_chars: int = Field(
        255, ge=16, le=512, description="longest id or key (record id, reference, flow name)"
    )


class PollSettings(RecordLimits):
    """Options every API source shares."""

    base_url: str = Field(description="the API's base URL (scheme, host, optional port)")
    poll_interval: PositiveDuration = Field(timedelta(minutes=5), description="time between polls")
    lookback: Duration = Field(
        timedelta(minutes=5), description="re-read this far behind the watermark"
    )
    timeout: PositiveDuration = Field(timedelta(seconds=30), description="per-request timeout")
    max_retries: int = Field(6, ge=0, le=20, description="retries of one request on 429/5xx")
    backoff_initial: PositiveDuration = Field(
        timedelta(milliseconds=500), description="first retry delay when no Retry-After is sent"
    )
    backoff_max: PositiveDuration = Field(timedelta(minutes=1), description="longest retry delay")
    request_budget: int | None = Field(
        None, ge=1, description="most API calls one poll may spend (none: unlimited)"
    )
    web_url: str | None = Field(
        None,
        description="the address people open the system at (e.g. "
        "https://acme.lightning.force.com); with it, the dashboard links each record to its "
        "page there",
    )
    enabled: bool = True

    @field_validator("web_url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.startswith(("https://", "http://")) or "?" in value or "#" in value:
            raise ValueError(f"must be an http(s) address without a query (got {value!r})")
        return value.rstrip("/")


class SalesforceAccountFields(ConfigModel):
    """Salesforce Account field names (DESIGN §4 defaults)."""

    object: str = "Account"
    id: str = "Id"
    name: str = "Name"
    website: str = "Website"
    created: str = "CreatedDate"
    modstamp: str = "SystemModstamp"
    deleted: str = "IsDeleted"
    arr: str = "ARR__c"
    currency: str = "CurrencyIsoCode"
    erp_customer_id: str = "ERP_Customer_Id__c"
    billing_customer_id: str = "Billing_Customer_Id__c"


class SalesforceAmendmentFields(ConfigModel):
    """CPQ amendment quote field names and the values that make a quote eligible."""

    object: str = "SBQQ__Quote__c"
    id: str = "Id"
    type: str = "SBQQ__Type__c"
    type_value: str = "Amendment"
    account: str = "SBQQ__Account__c"
    master_contract: str = "SBQQ__MasterContract__c"
    status: str = "SBQQ__Status__c"
    approved_value: str = "Approved"
    net_amount: str = "SBQQ__NetAmount__c"
    currency: str = "CurrencyIsoCode"
    approved_at: str = "Approved_At__c"
    created: str = "CreatedDate"
    modstamp: str = "SystemModstamp"
    deleted: str = "IsDeleted"


class SalesforceClientCredentials(ConfigModel):
    """OAuth 2.0 client-credentials flow."""

    method: Literal["client_credentials"] = "client_credentials"
    client_id_env: EnvName
    client_secret_env: EnvName


class SalesforceJwtBearer(ConfigModel):
    """OAuth 2.0 JWT bearer flow (RS256-signed assertion)."""

    method: Literal["jwt_bearer"]
    client_id_env: EnvName
    username: str
    private_key_env: EnvName
    audience: str = "https://login.salesforce.com"


class SalesforceSource(PollSettings):
    """Salesforce REST API (SOQL query/queryAll)."""

    type: Literal["salesforce"]
    login_url: str | None = Field(None, description="token endpoint host; defaults to base_url")
    api_version: str = Field("62.0", pattern=r"^\d+\.\d$")
    auth: Annotated[
        SalesforceClientCredentials | SalesforceJwtBearer, Field(discriminator="method")
    ]
    account: SalesforceAccountFields = SalesforceAccountFields()
    amendment: SalesforceAmendmentFields = SalesforceAmendmentFields()


class StripeSource(PollSettings):
    """Stripe API: list endpoints for backfill, /v1/events for changes."""

    type: Literal["stripe"]
    base_url: str = "https://api.stripe.com"
    api_key_env: EnvName
    api_version: str = "2025-04-30.basil"
    account_link_key: str = Field("crm_account_id", description="customer metadata key")
    amendment_link_key: str = Field("crm_amendment_id", description="subscription metadata key")


class NetSuiteOAuth1(ConfigModel):
    """Token-based authentication (OAuth 1.0, HMAC-SHA256)."""

    method: Literal["oauth1"] = "oauth1"
    consumer_key_env: EnvName
    consumer_secret_env: EnvName
    token_id_env: EnvName
    token_secret_env: EnvName


class NetSuiteOAuth2(ConfigModel):
    """OAuth 2.0 bearer token."""

    method: Literal["oauth2"]
    token_env: EnvName


class NetSuiteSource(PollSettings):
    """NetSuite SuiteTalk REST (SuiteQL)."""

    type: Literal["netsuite"]
    account_id: str = Field(description="account id as in the realm, e.g. 1234567_SB1")
    auth: Annotated[NetSuiteOAuth1 | NetSuiteOAuth2, Field(discriminator="method")]
    timezone: str = Field("America/Los_Angeles", description="the account's time zone")
    page_size: int = Field(1000, ge=5, le=1000)
    window_rows: int = Field(90_000, ge=1000, le=100_000, description="rows per query window")
    invoice_type: str = "CustInvc"
    paid_status: str = "B"
    reread_window: PositiveDuration = Field(
        timedelta(hours=24),
        description="how far behind the watermark a periodic re-read reaches: a change whose "
        "transaction commits after its lastmodifieddate (imports, scheduled scripts) by up to "
        "this much is still read",
    )
    reread_every: PositiveDuration = Field(
        timedelta(hours=1),
        description="how often a poll re-reads reread_window instead of the look-back "
        "(a late commit shows up within this long)",
    )


class ZendeskSource(PollSettings):
    """Zendesk incremental exports."""

    type: Literal["zendesk"]
    email: str
    api_token_env: EnvName
    start_time: int = Field(0, ge=0, description="unix time the first export starts from")
    exports_per_minute: int = Field(10, ge=1, description="the export endpoint's request limit")


class MiddlewareLogSource(RecordLimits):
    """JSON-lines integration logs, tailed from files."""

    type: Literal["middleware_logs"]
    path: str = Field(description="glob of the log files, e.g. /var/log/ipaas/*.jsonl")
    max_line_bytes: int = Field(
        MIB,
        ge=1024,
        le=64 * MIB,
        description="longest line read (without its line break); a longer one is quarantined",
    )
    poll_interval: PositiveDuration = timedelta(seconds=30)
    enabled: bool = True


Source = Annotated[
    SalesforceSource | StripeSource | NetSuiteSource | ZendeskSource | MiddlewareLogSource,
    Field(discriminator="type"),
]
