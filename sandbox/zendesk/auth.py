"""Zendesk authentication: an API token in basic auth, as ``{email}/token:{api_token}``."""

from __future__ import annotations

import base64
import binascii
import hmac

from starlette.requests import Request


def authenticated(request: Request, email: str, api_token: str) -> bool:
    """Whether the request carries ``email/token:api_token`` in basic auth, as Zendesk takes it."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return False
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    return hmac.compare_digest(decoded.encode(), f"{email}/token:{api_token}".encode())
