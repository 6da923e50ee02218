"""NetSuite authentication: OAuth 1.0 token-based auth (HMAC-SHA256) and OAuth 2.0 bearer tokens.

TBA signatures are really verified with oauthlib's RFC 5849 primitives: the parameters are
collected from the query string and the Authorization header (realm excluded), normalised into
the signature base string and signed with ``consumer_secret&token_secret``.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping

from oauthlib.common import Request as OAuthRequest
from oauthlib.oauth1.rfc5849 import signature

from sandbox.credentials import NetSuiteCredentials

# How far a request's oauth_timestamp may stray from the server's clock, as NetSuite allows.
TIMESTAMP_WINDOW_SECONDS = 300


class NetSuiteAuthenticator:
    """Decides whether a request carries valid TBA or OAuth 2.0 credentials."""

    def __init__(self, credentials: NetSuiteCredentials) -> None:
        self.credentials = credentials
        self._nonces: dict[tuple[str, str, str], int] = {}

    def authenticate(self, method: str, url: str, headers: Mapping[str, str]) -> bool:
        """Whether the request is signed or bearer-authenticated for this account."""
        authorization = headers.get("authorization", "")
        scheme, _, rest = authorization.partition(" ")
        if scheme.lower() == "bearer":
            return hmac.compare_digest(rest.strip(), self.credentials.oauth2_token)
        if scheme.lower() == "oauth":
            return self._verify_tba(method, url, authorization)
        return False

    def _verify_tba(self, method: str, url: str, authorization: str) -> bool:
        creds = self.credentials
        query = url.partition("?")[2]
        header = {"Authorization": authorization}
        try:
            every = dict(
                signature.collect_parameters(
                    uri_query=query, headers=header, exclude_oauth_signature=False, with_realm=True
                )
            )
            signed = signature.collect_parameters(uri_query=query, headers=header)
        except ValueError:
            return False
        try:
            timestamp = int(every.get("oauth_timestamp", ""))
        except ValueError:
            return False
        # The client stamps oauth_timestamp from its wall clock, whatever the simulated time is.
        now = int(time.time())
        checks = (
            every.get("realm") == creds.account_id,
            every.get("oauth_consumer_key") == creds.consumer_key,
            every.get("oauth_token") == creds.token_id,
            every.get("oauth_signature_method") == "HMAC-SHA256",
            every.get("oauth_version", "1.0") == "1.0",
            abs(now - timestamp) <= TIMESTAMP_WINDOW_SECONDS,
            bool(every.get("oauth_nonce")),
        )
        if not all(checks):
            return False
        nonce_key = (creds.consumer_key, creds.token_id, every["oauth_nonce"])
        self._forget_nonces_before(now - TIMESTAMP_WINDOW_SECONDS)
        if nonce_key in self._nonces:
            return False
        request = OAuthRequest(url, http_method=method)
        request.params = signed
        request.signature = every.get("oauth_signature", "")
        if not signature.verify_hmac_sha256(request, creds.consumer_secret, creds.token_secret):
            return False
        self._nonces[nonce_key] = timestamp
        return True

    def _forget_nonces_before(self, horizon: int) -> None:
        # A nonce older than the timestamp window can never be replayed successfully.
        stale = [key for key, ts in self._nonces.items() if ts < horizon]
        for key in stale:
            del self._nonces[key]
