"""The root settings model and its small sections."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, IPvAnyNetwork, field_validator, model_validator

from core.config.alerts import AlertSettings
from core.config.base import ConfigModel, TimeZoneName
from core.config.calendar import CalendarSettings
from core.config.flows import FlowName, FlowOverrides, FlowSettings, Owner, merge_flows
from core.config.fx import FxSettings
from core.config.metrics import MetricSettings
from core.config.sources import EnvName, Source
from core.money import is_currency

Role = Literal["executive", "finance", "revops", "integration", "admin"]

DEFAULT_OWNERS: dict[str, Owner] = {
    "unmatched_accounts": "revops",
    "orphan_customers": "revops",
    "duplicate_customers": "revops",
    "stuck_amendments": "revops",
    "posting_failures": "finance",
    "silent_misses": "finance",
    "amount_mismatches": "finance",
    "payment_posting_failures": "finance",
    "payment_silent_misses": "finance",
}


class DatabaseSettings(ConfigModel):
    """Where the store lives: an external PostgreSQL, or an embedded one when unset."""

    url_env: EnvName = Field("DATABASE_URL", description="variable holding the PostgreSQL URL")
    data_dir: Path | None = Field(None, description="embedded PostgreSQL data directory")


_SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class SlackInteractivity(ConfigModel):
    """How Slack tells syncwatch that someone clicked a button on an alert."""

    mode: Literal["http", "socket"] = Field(
        "http",
        description="http: Slack posts each click to this endpoint (needs inbound HTTPS); "
        "socket: syncwatch connects out to Slack (Socket Mode)",
    )
    host: str = Field(
        "0.0.0.0",  # noqa: S104 - behind the load balancer Slack reaches
        description="address the interactivity endpoint listens on (http mode)",
    )
    port: int = Field(3000, ge=1, le=65535, description="its port; the path is /slack/interactions")
    signing_secret_env: EnvName = Field(
        "SLACK_SIGNING_SECRET", description="variable holding the app's signing secret (http mode)"
    )
    app_token_env: EnvName = Field(
        "SLACK_APP_TOKEN",
        description="variable holding the app-level token, xapp-… with connections:write (socket)",
    )


class SlackSettings(ConfigModel):
    """Slack delivery; without a token in the environment messages are logged (dry run)."""

    token_env: EnvName = "SLACK_BOT_TOKEN"  # noqa: S105 - the variable's name, not a token
    base_url: str = "https://slack.com/api/"
    executive_channel: str = "#exec-kpis"
    weekly_report_cron: str = Field("0 8 * * mon", description="crontab in settings.timezone")
    interactivity: SlackInteractivity | None = Field(
        None,
        description="with it, alerts carry Acknowledge, Snooze and Assign buttons; without it, "
        "links to the dashboard",
    )
    users: dict[str, str] = Field(
        default_factory=dict,
        description="Slack user id (U…) or Slack e-mail address → syncwatch user name; anyone "
        "not listed is matched by the e-mail address on their syncwatch user",
    )

    @field_validator("users")
    @classmethod
    def _slack_user_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for key, name in value.items():
            if not (_SLACK_USER_ID.match(key) or "@" in key):
                raise ValueError(
                    f"{key!r} is neither a Slack user id (U…, W…) nor an e-mail address"
                )
            if not name.strip():
                raise ValueError(f"{key}: the syncwatch user name must not be empty")
        return value


class OidcSettings(ConfigModel):
    """The OpenID Connect provider people sign in with (Streamlit's ``st.login``)."""

    issuer: str | None = Field(
        None, description="issuer URL; its discovery document is /.well-known/openid-configuration"
    )
    server_metadata_url: str | None = Field(
        None, description="the discovery document's URL, when it is not under the issuer"
    )
    client_id: str = Field(min_length=1)
    client_secret_env: EnvName = Field(description="variable holding the client secret")
    redirect_uri: str = Field(
        description="this dashboard's URL ending in /oauth2callback, registered at the provider"
    )
    cookie_secret_env: EnvName = Field(
        description="variable holding the key that signs the dashboard's sign-in cookie"
    )
    scope: str = Field("openid email profile", description="scopes asked for, space-separated")
    roles_claim: str | None = Field(
        None, description="ID-token claim listing groups or roles (e.g. groups), mapped by roles"
    )

    @model_validator(mode="after")
    def _one_discovery_source(self) -> OidcSettings:
        if (self.issuer is None) == (self.server_metadata_url is None):
            raise ValueError("set exactly one of issuer and server_metadata_url")
        if not self.redirect_uri.startswith(("https://", "http://")) or not (
            self.redirect_uri.endswith("/oauth2callback")
        ):
            raise ValueError(
                "redirect_uri must be this dashboard's http(s) URL ending in /oauth2callback "
                f"(got {self.redirect_uri!r})"
            )
        return self

    @property
    def metadata_url(self) -> str:
        """Where the provider's discovery document is read."""
        if self.server_metadata_url is not None:
            return self.server_metadata_url
        return f"{str(self.issuer).rstrip('/')}/.well-known/openid-configuration"


class AuthSettings(ConfigModel):
    """How the dashboard identifies people and which roles they hold."""

    mode: Literal["local", "proxy", "oidc"] = "local"
    proxy_header: str = "X-Forwarded-User"
    trusted_proxies: list[IPvAnyNetwork] = Field(
        default_factory=list,
        description="addresses the proxy connects from (loopback: 127.0.0.1/32, ::1/128)",
    )
    proxy_secret_env: EnvName | None = Field(
        None, description="variable holding the secret the proxy sends in proxy_secret_header"
    )
    proxy_secret_header: str = "X-Syncwatch-Proxy-Secret"  # noqa: S105 - a header name
    oidc: OidcSettings | None = None
    roles: dict[str, list[Role]] = Field(
        default_factory=dict,
        description="roles per proxy or OIDC identity (e-mail), or per OIDC group in roles_claim",
    )

    @model_validator(mode="after")
    def _mode_is_configured(self) -> AuthSettings:
        if self.mode == "proxy" and not self.trusted_proxies and self.proxy_secret_env is None:
            raise ValueError(
                "proxy mode needs auth.trusted_proxies (the proxy's addresses) or "
                "auth.proxy_secret_env (a secret only the proxy sends), or both; "
                "otherwise anyone who reaches the dashboard could name themselves"
            )
        if self.mode == "oidc" and self.oidc is None:
            raise ValueError("oidc mode needs the auth.oidc section (provider and client)")
        return self


class Settings(ConfigModel):
    """Everything syncwatch reads from its YAML file."""

    timezone: TimeZoneName = "UTC"
    reporting_currency: str = Field(
        "USD", description="ISO 4217 code that money totals across currencies are shown in"
    )
    env_file: Path | None = Field(None, description="dotenv file with secrets, beside the config")
    database: DatabaseSettings = DatabaseSettings()
    sources: dict[str, Source] = Field(default_factory=dict)
    flows: dict[FlowName, FlowOverrides] = Field(default_factory=dict)
    owners: dict[str, Owner] = Field(
        default_factory=dict, description="owning team per metric (flow metrics: the flow's)"
    )
    metrics: MetricSettings = MetricSettings()
    alerts: AlertSettings = AlertSettings()
    slack: SlackSettings = SlackSettings()
    fx: FxSettings = FxSettings()
    calendar: CalendarSettings = CalendarSettings()
    auth: AuthSettings = AuthSettings()
    dashboard_url: str = "http://localhost:8501"
    metrics_port: int = Field(9108, ge=1, le=65535)

    @field_validator("reporting_currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        code = value.strip().upper()
        if not is_currency(code):
            raise ValueError(f"{value!r} is not an ISO 4217 currency code")
        return code

    @field_validator("sources")
    @classmethod
    def _source_names(cls, value: dict[str, Source]) -> dict[str, Source]:
        for name in value:
            if not name.replace("_", "").isalnum() or not name.islower():
                raise ValueError(f"source name {name!r} must be lowercase letters, digits and _")
        return value

    @model_validator(mode="after")
    def _unique_rules(self) -> Settings:
        seen: set[str] = set()
        for rule in self.alerts.rules:
            if rule.name in seen:
                raise ValueError(f"alert rule {rule.name!r} is defined twice")
            seen.add(rule.name)
        return self

    @property
    def zone(self) -> ZoneInfo:
        """The configured reporting time zone."""
        return ZoneInfo(self.timezone)

    def metric_owners(self) -> dict[str, Owner]:
        """Owner of each non-flow metric: the defaults with the configured overrides."""
        return {**DEFAULT_OWNERS, **self.owners}

    def flow_settings(self) -> dict[FlowName, FlowSettings]:
        """Every flow with defaults and overrides applied."""
        return merge_flows(self.flows)
