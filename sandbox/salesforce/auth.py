"""Salesforce OAuth 2.0: the token endpoint (client credentials, JWT bearer) and session checks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

import jwt
from starlette.requests import Request
from starlette.responses import JSONResponse

from sandbox.credentials import SalesforceCredentials

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


# The simulated org and its integration user, as they appear in the identity URL.
ORG_ID = "00D5g000004ExAmEAK"
USER_ID = "0055g00000ExAmPAAZ"


def _oauth_error(error: str, description: str) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=400)


class SessionStore:
    """Issued access tokens and when they were issued, in simulated time."""

    def __init__(self, credentials: SalesforceCredentials, ttl: timedelta | None) -> None:
        self.credentials = credentials
        self.ttl = ttl
        self._issued: dict[str, datetime] = {}

    def issue(self, now: datetime) -> str:
        """A fresh opaque token in Salesforce's ``<org id>!<secret>`` shape."""
        token = f"{ORG_ID[:15]}!{secrets.token_urlsafe(48)}"
        self._issued[token] = now
        return token

    def valid(self, authorization: str | None, now: datetime) -> bool:
        """Whether an ``Authorization`` header carries a live session."""
        if not authorization:
            return False
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() not in ("bearer", "oauth"):
            return False
        issued = self._issued.get(token.strip())
        if issued is None:
            return False
        return self.ttl is None or now < issued + self.ttl

    async def token_endpoint(self, request: Request, now: datetime) -> JSONResponse:
        """``POST /services/oauth2/token``: grant a session or refuse in OAuth's error shape."""
        form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
        grant = form.get("grant_type")
        creds = self.credentials
        if grant == "client_credentials":
            if not hmac.compare_digest(form.get("client_id", ""), creds.client_id):
                return _oauth_error("invalid_client_id", "client identifier invalid")
            if not hmac.compare_digest(form.get("client_secret", ""), creds.client_secret):
                return _oauth_error("invalid_client", "invalid client credentials")
        elif grant == JWT_BEARER:
            refusal = self._check_assertion(form.get("assertion", ""))
            if refusal is not None:
                return refusal
        else:
            return _oauth_error("unsupported_grant_type", "grant type not supported")
        instance_url = str(request.base_url).rstrip("/")
        identity = f"{instance_url}/id/{ORG_ID}/{USER_ID}"
        issued_at = str(int(now.timestamp() * 1000))
        # Salesforce signs id + issued_at with the consumer secret so clients can verify it.
        digest = hmac.new(
            creds.client_secret.encode(), (identity + issued_at).encode(), hashlib.sha256
        ).digest()
        return JSONResponse(
            {
                "access_token": self.issue(now),
                "signature": base64.b64encode(digest).decode(),
                "scope": "api",
                "instance_url": instance_url,
                "id": identity,
                "token_type": "Bearer",
                "issued_at": issued_at,
            }
        )

    def _check_assertion(self, assertion: str) -> JSONResponse | None:
        creds = self.credentials
        if creds.jwt_public_key is None:
            return _oauth_error("invalid_grant", "invalid assertion")
        try:
            # The client stamps exp from its own wall clock, so exp is checked against wall time.
            claims = jwt.decode(
                assertion,
                creds.jwt_public_key,
                algorithms=["RS256"],
                audience=creds.jwt_audience,
                options={"require": ["exp", "iss", "sub", "aud"]},
                leeway=5,
            )
        except jwt.ExpiredSignatureError:
            return _oauth_error("invalid_grant", "expired authorization code")
        except jwt.InvalidTokenError:
            return _oauth_error("invalid_grant", "invalid assertion")
        if claims["iss"] != creds.client_id:
            return _oauth_error("invalid_client_id", "client identifier invalid")
        if claims["sub"] != creds.username:
            return _oauth_error("invalid_grant", "user hasn't approved this consumer")
        return None
