"""Credentials the sandbox's simulated APIs accept, one small model per system.

The defaults are throwaway demo credentials that only open the local sandbox; they are printed
in the README so the demo works out of the box. Secrets are kept out of ``repr`` so an object
logged by accident does not leak them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Throwaway values that only open the local sandbox, never a real tenant.
_DEMO_SF_SECRET = "sandbox-salesforce-client-secret"  # noqa: S105
_DEMO_STRIPE_KEY = "sk_test_51SyncwatchSandboxDemoKey00000000000000000000000000"
_DEMO_NS_CONSUMER_SECRET = "sandbox-netsuite-consumer-secret"  # noqa: S105
_DEMO_NS_TOKEN_SECRET = "sandbox-netsuite-token-secret"  # noqa: S105
_DEMO_NS_BEARER = "sandbox-netsuite-oauth2-access-token"
_DEMO_ZD_TOKEN = "sandbox-zendesk-api-token"  # noqa: S105
_DEMO_SLACK_TOKEN = "xoxb-sandbox-demo-bot-token"  # noqa: S105
_DEMO_SLACK_APP_TOKEN = "xapp-sandbox-demo-app-token"  # noqa: S105


@dataclass(frozen=True, slots=True)
class SalesforceCredentials:
    """OAuth2 client-credentials pair of the Salesforce connected app, and its JWT bearer trust."""

    client_id: str = "sandbox-salesforce-client-id"
    client_secret: str = field(default=_DEMO_SF_SECRET, repr=False)
    # JWT bearer flow: the assertion's sub must name this user and its aud this login host;
    # without a public key (PEM) the flow is refused.
    username: str = "sandbox-integration@example.com"
    jwt_public_key: str | None = field(default=None, repr=False)
    jwt_audience: str = "https://login.salesforce.com"


@dataclass(frozen=True, slots=True)
class StripeCredentials:
    """The Stripe secret key (``sk_test_...``)."""

    api_key: str = field(default=_DEMO_STRIPE_KEY, repr=False)


@dataclass(frozen=True, slots=True)
class NetSuiteCredentials:
    """NetSuite token-based auth (OAuth 1.0) and the OAuth 2.0 bearer alternative."""

    account_id: str = "1234567_SB1"
    consumer_key: str = "sandbox-netsuite-consumer-key"
    consumer_secret: str = field(default=_DEMO_NS_CONSUMER_SECRET, repr=False)
    token_id: str = "sandbox-netsuite-token-id"  # noqa: S105 (an identifier, not a secret)
    token_secret: str = field(default=_DEMO_NS_TOKEN_SECRET, repr=False)
    oauth2_token: str = field(default=_DEMO_NS_BEARER, repr=False)


@dataclass(frozen=True, slots=True)
class ZendeskCredentials:
    """Zendesk API token auth: ``{email}/token`` as user name, the token as password."""

    email: str = "sandbox-agent@example.com"
    api_token: str = field(default=_DEMO_ZD_TOKEN, repr=False)


@dataclass(frozen=True, slots=True)
class SandboxCredentials:
    """Every credential the sandbox accepts, one entry per simulated system."""

    salesforce: SalesforceCredentials = field(default_factory=SalesforceCredentials)
    stripe: StripeCredentials = field(default_factory=StripeCredentials)
    netsuite: NetSuiteCredentials = field(default_factory=NetSuiteCredentials)
    zendesk: ZendeskCredentials = field(default_factory=ZendeskCredentials)
    slack_token: str = field(default=_DEMO_SLACK_TOKEN, repr=False)
    slack_app_token: str = field(default=_DEMO_SLACK_APP_TOKEN, repr=False)
    """The Slack app-level token that opens Socket Mode (button clicks reach the app over it)."""
