"""Who is signed in and what they may see: identities, roles and the page access map."""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from ipaddress import IPv6Address, ip_address
from typing import Final, Literal

from core.config.models import AuthSettings, OidcSettings, Role

ROLES: Final[tuple[Role, ...]] = ("executive", "finance", "revops", "integration", "admin")

# A connection without an address is a loopback one (Streamlit reports none for those).
_LOOPBACK: Final = ("127.0.0.1", "::1")

Topic = Literal[
    "executive",
    "finance",
    "revops",
    "integration",
    "alerts",
    "record",
    "admin",
]

# Which roles may open each topic; admin may open everything (see ``Identity.may``).
TOPIC_ROLES: Final[dict[Topic, frozenset[Role]]] = {
    "executive": frozenset({"executive"}),
    "finance": frozenset({"finance"}),
    "revops": frozenset({"revops"}),
    "integration": frozenset({"integration"}),
    "alerts": frozenset({"integration"}),
    # Executives open the records behind the risks their overview lists.
    "record": frozenset({"executive", "finance", "revops", "integration"}),
    "admin": frozenset(),
}


# Who may acknowledge an alert or withdraw an acknowledgement, wherever it is done (dashboard,
# command line, Slack): the integration team, who run the alerts page, and administrators.
ALERT_ACKNOWLEDGE_ROLES: Final[frozenset[Role]] = frozenset({"integration", "admin"})


class NotAllowedError(PermissionError):
    """The signed-in identity lacks the role a page or query needs."""


class NotSignedInError(PermissionError):
    """No identity can be established for a request; the message says why, to the person."""


@dataclass(frozen=True, slots=True)
class Identity:
    """A signed-in person: a name, the roles they hold and how they signed in."""

    name: str
    roles: frozenset[Role]
    method: Literal["local", "proxy", "oidc"] = "local"

    def may(self, topic: Topic) -> bool:
        """Whether this identity may open ``topic`` (admin may open everything)."""
        return "admin" in self.roles or bool(self.roles & TOPIC_ROLES[topic])


def may_acknowledge_alerts(identity: Identity) -> bool:
    """Whether ``identity`` may acknowledge alerts and withdraw acknowledgements."""
    return bool(identity.roles & ALERT_ACKNOWLEDGE_ROLES)


def authorize(identity: Identity | None, topic: Topic) -> Identity:
    """``identity`` when it may open ``topic``; otherwise raise ``NotAllowedError``."""
    if identity is None:
        raise NotAllowedError("not signed in")
    if not identity.may(topic):
        raise NotAllowedError(f"{identity.name} may not open {topic}")
    return identity


def valid_roles(names: Iterable[str]) -> frozenset[Role]:
    """The known roles among ``names`` (unknown names are ignored, never granted)."""
    return frozenset(r for r in ROLES if r in set(names))


def proxy_identity(
    headers: Mapping[str, Sequence[str]], peer: str | None, auth: AuthSettings, secret: str | None
) -> Identity:
    """The identity the trusted reverse proxy names in ``auth.proxy_header``.

    ``headers`` maps each header name to all its values; ``peer`` is the connection's address
    (None for loopback); ``secret`` is the value of ``auth.proxy_secret_env``. The proxy is
    trusted by its address (``auth.trusted_proxies``), by the shared secret it sends
    (``auth.proxy_secret_header``), or, when both are configured, by both. Raises
    ``NotSignedInError`` when the request is not trusted or names nobody.
    """
    if auth.trusted_proxies and not _trusted_address(peer, auth):
        raise NotSignedInError(
            f"this connection (from {peer or 'loopback'}) does not come from the "
            "sign-in proxy; open the dashboard through it."
        )
    if auth.proxy_secret_env is not None:
        if secret is None:
            raise NotSignedInError(
                f"the dashboard has no proxy secret (environment variable "
                f"{auth.proxy_secret_env} is not set); ask an administrator."
            )
        sent = _values(headers, auth.proxy_secret_header)
        if len(sent) != 1 or not hmac.compare_digest(sent[0].encode(), secret.encode()):
            raise NotSignedInError(
                "this request did not come through the sign-in proxy; open the dashboard "
                "through it."
            )
    names = [n.strip() for n in _values(headers, auth.proxy_header)]
    if len(names) > 1:
        raise NotSignedInError(f"the request names more than one {auth.proxy_header}.")
    if not names or not names[0]:
        raise NotSignedInError(f"the sign-in proxy sent no {auth.proxy_header} header.")
    return Identity(names[0], valid_roles(auth.roles.get(names[0], ())), "proxy")


def _trusted_address(peer: str | None, auth: AuthSettings) -> bool:
    try:
        addresses = [ip_address(a) for a in (_LOOPBACK if peer is None else (peer,))]
    except ValueError:
        return False
    # A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d; compare them as IPv4.
    plain = [
        a.ipv4_mapped if isinstance(a, IPv6Address) and a.ipv4_mapped else a for a in addresses
    ]
    return any(a in net for a in plain for net in auth.trusted_proxies)


def _values(headers: Mapping[str, Sequence[str]], name: str) -> list[str]:
    wanted = name.lower()
    return [v for key, values in headers.items() if key.lower() == wanted for v in values]


def oidc_identity(claims: Mapping[str, object], auth: AuthSettings, oidc: OidcSettings) -> Identity:
    """The identity in an OpenID Connect provider's ID-token claims, with its roles.

    The name is the e-mail address (unless the provider says it is unverified), else the
    subject. Roles come from ``auth.roles`` for that name and, with ``oidc.roles_claim``, for
    each group the claim lists; a listed value that is itself a role name grants that role.
    """
    email = claims.get("email")
    verified = claims.get("email_verified") is not False
    name = str(email if email and verified else claims.get("sub") or "").strip()
    if not name:
        raise NotSignedInError("your identity provider sent no subject or e-mail for you.")
    granted: set[str] = set(auth.roles.get(name, ()))
    if oidc.roles_claim is not None:
        listed = claims.get(oidc.roles_claim)
        groups = [listed] if isinstance(listed, str) else listed
        for group in groups if isinstance(groups, list) else ():
            granted.update(auth.roles.get(str(group), ()))
            granted.add(str(group))
    return Identity(name, valid_roles(granted), "oidc")
