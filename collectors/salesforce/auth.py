"""Salesforce OAuth 2.0: client-credentials and JWT-bearer logins, and the session they give."""

from __future__ import annotations

import time
from typing import Protocol

import httpx
import jwt

from collectors.errors import AuthenticationError
from collectors.http import SourceClient
from core.logs import register_secret

TOKEN_PATH = "/services/oauth2/token"  # noqa: S105 (a URL path, not a secret)
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# The assertion only has to outlive one token request; minutes leave room for clock drift.
ASSERTION_LIFETIME_SECONDS = 180


class Grant(Protocol):
    """The form fields of one OAuth grant."""

    def form(self) -> dict[str, str]:
        """The token request's form body."""


class ClientCredentialsGrant:
    """``grant_type=client_credentials`` with the connected app's id and secret."""

    def __init__(self, client_id: str, client_secret: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret

    def form(self) -> dict[str, str]:
        """The token request's form body."""
        return {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }


class JwtBearerGrant:
    """An RS256 assertion (iss = client id, sub = user, aud = login host) signed per login."""

    def __init__(self, client_id: str, username: str, private_key: str, audience: str) -> None:
        self.client_id = client_id
        self.username = username
        self.private_key = private_key
        self.audience = audience

    def form(self) -> dict[str, str]:
        """The token request's form body with a freshly signed assertion."""
        # exp is judged by Salesforce's wall clock, never by a frozen evaluation clock.
        claims = {
            "iss": self.client_id,
            "sub": self.username,
            "aud": self.audience,
            "exp": int(time.time()) + ASSERTION_LIFETIME_SECONDS,
        }
        try:
            assertion = jwt.encode(claims, self.private_key, algorithm="RS256")
        except (ValueError, TypeError) as exc:
            raise AuthenticationError(
                f"the JWT bearer private key cannot sign: {type(exc).__name__}"
            ) from None
        return {"grant_type": JWT_BEARER, "assertion": assertion}


class SalesforceAuth:
    """Logs in on first use, authorises every data request, logs in again when told to."""

    def __init__(self, login_url: str, grant: Grant) -> None:
        self.token_url = login_url.rstrip("/") + TOKEN_PATH
        self.grant = grant
        self.client: SourceClient | None = None
        self._token: str | None = None
        self._instance_url: str | None = None

    def instance_url(self) -> str:
        """The org's API host, as the login answered it."""
        if self._instance_url is None:
            self.refresh()
        assert self._instance_url is not None
        return self._instance_url

    def apply(self, request: httpx.Request) -> None:
        """Add the bearer token (the token request itself carries its own credentials)."""
        if str(request.url).split("?", 1)[0] == self.token_url:
            return
        if self._token is None:
            self.refresh()
        request.headers["Authorization"] = f"Bearer {self._token}"

    def refresh(self) -> None:
        """Log in and keep the new session (the client's classifier raises on a refusal)."""
        if self.client is None:
            raise AuthenticationError("Salesforce login attempted before the client was attached")
        body = self.client.post(self.token_url, data=self.grant.form()).json()
        token, instance = body.get("access_token"), body.get("instance_url")
        if not isinstance(token, str) or not isinstance(instance, str):
            raise AuthenticationError("Salesforce login answered without a token or instance_url")
        register_secret(token)
        self._token, self._instance_url = token, instance.rstrip("/")
