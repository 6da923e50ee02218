"""An OpenID Connect provider stand-in: the authorization-code flow, as small as it can be.

It serves the discovery document, a JWKS holding an RSA key made when the app is created, an
authorization endpoint that shows a one-field sign-in form for its configured users (no
passwords: it stands in for whatever the real provider asks), a token endpoint
(``client_secret_basic`` or ``client_secret_post``, PKCE ``S256`` when the client sends a
challenge) issuing RS256 ID tokens with ``iss``, ``aud``, ``exp``, ``iat`` and ``nonce``, and
userinfo. A user can be set up to receive a bad ID token, expired or altered after signing, so
a test can prove the client refuses it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import html
import json
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Literal
from urllib.parse import unquote, urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CODE_LIFETIME: Final = 60
TOKEN_LIFETIME: Final = 300
_NO_STORE: Final = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_AUTH_PARAMS: Final = (
    "client_id", "redirect_uri", "state", "nonce", "scope", "code_challenge",
    "code_challenge_method",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class StandInUser:
    """A person the provider signs in: login, claims and, optionally, a fault in their ID token."""

    login: str
    email: str
    name: str = ""
    groups: tuple[str, ...] = ()
    fault: Literal["expired", "tampered"] | None = None

    @property
    def sub(self) -> str:
        """The subject identifier: stable per login."""
        return f"sub-{self.login}"


@dataclass(frozen=True, slots=True)
class OidcClient:
    """The one relying party the provider knows: its credentials and redirect URIs."""

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uris: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Grant:
    user: StandInUser
    redirect_uri: str
    nonce: str | None
    code_challenge: str | None
    expires: float


class _Provider:
    """The provider's state: its signing key, open authorization codes and access tokens."""

    def __init__(
        self,
        issuer: str,
        client: OidcClient,
        users: Iterable[StandInUser],
        clock: Callable[[], float],
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client = client
        self.users = {u.login: u for u in users}
        self.clock = clock
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(8)
        self.codes: dict[str, _Grant] = {}
        self.access_tokens: dict[str, StandInUser] = {}

    def discovery(self, _: Request) -> JSONResponse:
        return JSONResponse(
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "userinfo_endpoint": f"{self.issuer}/userinfo",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "email", "profile", "groups"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                ],
                "code_challenge_methods_supported": ["S256"],
                "claims_supported": ["sub", "email", "email_verified", "name", "groups"],
            }
        )

    def jwks(self, _: Request) -> JSONResponse:
        public = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return JSONResponse({"keys": [{**public, "kid": self.kid, "use": "sig", "alg": "RS256"}]})

    async def authorize(self, request: Request) -> Response:
        params = (
            dict(await request.form()) if request.method == "POST" else dict(request.query_params)
        )
        values = {k: str(v) for k, v in params.items()}
        redirect_uri = values.get("redirect_uri", "")
        # Never redirect to an address the client did not register.
        if values.get("client_id") != self.client.client_id:
            return HTMLResponse("Unknown client.", status_code=400)
        if redirect_uri not in self.client.redirect_uris:
            return HTMLResponse("This redirect_uri is not registered.", status_code=400)
        if request.method == "GET":
            if values.get("response_type") != "code":
                return _redirect_error(redirect_uri, values, "unsupported_response_type")
            if "openid" not in values.get("scope", "").split():
                return _redirect_error(redirect_uri, values, "invalid_scope")
            return self._form(values, "")
        user = self.users.get(values.get("login", "").strip())
        if user is None:
            return self._form(values, "No such user.")
        code = secrets.token_urlsafe(24)
        self.codes[code] = _Grant(
            user,
            redirect_uri,
            values.get("nonce"),
            values.get("code_challenge") if values.get("code_challenge_method") == "S256" else None,
            self.clock() + CODE_LIFETIME,
        )
        query = {"code": code, **({"state": values["state"]} if "state" in values else {})}
        return RedirectResponse(f"{redirect_uri}?{urlencode(query)}", status_code=302)

    def _form(self, values: dict[str, str], problem: str) -> HTMLResponse:
        hidden = "".join(
            f'<input type="hidden" name="{k}" value="{html.escape(values[k])}">'
            for k in _AUTH_PARAMS
            if k in values
        )
        notice = f'<p role="alert">{html.escape(problem)}</p>' if problem else ""
        return HTMLResponse(
            "<!doctype html><title>Test identity provider</title>"
            "<h1>Sign in to the test identity provider</h1>"
            f'{notice}<form method="post" action="{self.issuer}/authorize">{hidden}'
            '<label>Login <input name="login" autofocus></label> '
            "<button>Continue</button></form>"
        )

    async def token(self, request: Request) -> JSONResponse:
        form = {k: str(v) for k, v in (await request.form()).items()}
        if not self._client_authenticated(request, form):
            return _token_error("invalid_client", 401)
        if form.get("grant_type") != "authorization_code":
            return _token_error("unsupported_grant_type")
        grant = self.codes.pop(form.get("code", ""), None)
        if grant is None or grant.expires < self.clock():
            return _token_error("invalid_grant")
        if form.get("redirect_uri") != grant.redirect_uri:
            return _token_error("invalid_grant")
        if grant.code_challenge is not None and not hmac.compare_digest(
            _s256(form.get("code_verifier", "")), grant.code_challenge
        ):
            return _token_error("invalid_grant")
        access_token = secrets.token_urlsafe(24)
        self.access_tokens[access_token] = grant.user
        body = {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME,
            "id_token": self._id_token(grant),
        }
        return JSONResponse(body, headers=_NO_STORE)

    def _client_authenticated(self, request: Request, form: dict[str, str]) -> bool:
        basic = request.headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(basic[6:], validate=True).decode()
            except ValueError:
                return False
            client_id, _, client_secret = decoded.partition(":")
            client_id, client_secret = unquote(client_id), unquote(client_secret)
        else:
            client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        return client_id == self.client.client_id and hmac.compare_digest(
            client_secret.encode(), self.client.client_secret.encode()
        )

    def _id_token(self, grant: _Grant) -> str:
        user = grant.user
        now = int(self.clock())
        issued = now - 7200 if user.fault == "expired" else now
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": user.sub,
            "aud": self.client.client_id,
            "iat": issued,
            "auth_time": issued,
            "exp": issued + TOKEN_LIFETIME,
            **_profile(user),
        }
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})
        if user.fault != "tampered":
            return token
        # Altered after signing, as an attacker would: the signature no longer matches.
        header, _, signature = token.split(".")
        forged = {**claims, "groups": [*user.groups, "admin"]}
        payload = base64.urlsafe_b64encode(json.dumps(forged).encode()).rstrip(b"=").decode()
        return f"{header}.{payload}.{signature}"

    def userinfo(self, request: Request) -> JSONResponse:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        user = self.access_tokens.get(token) if scheme.lower() == "bearer" else None
        if user is None:
            return JSONResponse(
                {"error": "invalid_token"},
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return JSONResponse({"sub": user.sub, **_profile(user)})


def _profile(user: StandInUser) -> dict[str, Any]:
    claims: dict[str, Any] = {"email": user.email, "email_verified": True, "name": user.name}
    if user.groups:
        claims["groups"] = list(user.groups)
    return claims


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _redirect_error(redirect_uri: str, values: dict[str, str], error: str) -> RedirectResponse:
    query = {"error": error, **({"state": values["state"]} if "state" in values else {})}
    return RedirectResponse(f"{redirect_uri}?{urlencode(query)}", status_code=302)


def _token_error(error: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status, headers=_NO_STORE)


def create_oidc_app(
    issuer: str,
    client: OidcClient,
    users: Iterable[StandInUser],
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """The provider at ``issuer`` (its own base URL) for ``client`` and ``users``."""
    provider = _Provider(issuer, client, users, clock)
    return Starlette(
        routes=[
            Route("/.well-known/openid-configuration", provider.discovery),
            Route("/jwks", provider.jwks),
            Route("/authorize", provider.authorize, methods=["GET", "POST"]),
            Route("/token", provider.token, methods=["POST"]),
            Route("/userinfo", provider.userinfo, methods=["GET", "POST"]),
        ]
    )
