"""NetSuite authentication: OAuth 1.0 token-based auth (HMAC-SHA256) or an OAuth 2.0 bearer."""

from __future__ import annotations

import httpx
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, Client

from collectors.errors import AuthenticationError


class TokenBasedAuth:
    """Signs every request (method, full URL with its query) with the integration's tokens."""

    def __init__(
        self,
        account_id: str,
        consumer_key: str,
        consumer_secret: str,
        token_id: str,
        token_secret: str,
    ) -> None:
        self._signer = Client(
            consumer_key,
            client_secret=consumer_secret,
            resource_owner_key=token_id,
            resource_owner_secret=token_secret,
            signature_method=SIGNATURE_HMAC_SHA256,
            realm=account_id,
        )

    def apply(self, request: httpx.Request) -> None:
        """Add a fresh signature (new nonce and timestamp) to ``request``."""
        # The JSON body is not form-encoded, so RFC 5849 leaves it out of the signature.
        _, headers, _ = self._signer.sign(str(request.url), http_method=request.method)
        request.headers["Authorization"] = headers["Authorization"]

    def refresh(self) -> None:
        """Token-based credentials do not expire into new ones: a refusal is final."""
        raise AuthenticationError("NetSuite refused the token-based credentials")


class BearerAuth:
    """An OAuth 2.0 access token issued for the integration."""

    def __init__(self, token: str) -> None:
        self._token = token

    def apply(self, request: httpx.Request) -> None:
        """Add the bearer token."""
        request.headers["Authorization"] = f"Bearer {self._token}"

    def refresh(self) -> None:
        """A configured access token cannot be renewed from here: a refusal is final."""
        raise AuthenticationError("NetSuite refused the OAuth 2.0 access token")
