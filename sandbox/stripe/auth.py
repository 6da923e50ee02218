"""Stripe authentication: the secret key as a bearer token or as the basic-auth user name."""

from __future__ import annotations

import base64
import binascii
import hmac

from starlette.requests import Request

from sandbox.stripe.query import StripeRequestError


def _masked(key: str) -> str:
    prefix = key[: key.rfind("_") + 1] if key.startswith(("sk_", "rk_", "pk_")) else ""
    return f"{prefix}****{key[-4:]}"


def _presented_key(request: Request) -> str | None:
    """The API key of a request: bearer token, or basic auth with the key as user name."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[0]
    return None


def authenticate(request: Request, api_key: str) -> None:
    """Refuse a request without this account's secret key, with Stripe's 401 messages."""
    key = _presented_key(request)
    if not key:
        raise StripeRequestError(
            401,
            "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
            "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, "
            "or we can help at https://support.stripe.com/.",
        )
    if not hmac.compare_digest(key.encode(), api_key.encode()):
        raise StripeRequestError(401, f"Invalid API Key provided: {_masked(key)}")
