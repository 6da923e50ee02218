"""Who is signed in and what they may see: identities, roles and the page access map."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

from core.config.models import AuthSettings, Role

ROLES: Final[tuple[Role, ...]] = ("executive", "finance", "revops", "integration", "admin")

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
    "record": frozenset({"finance", "revops", "integration"}),
    "admin": frozenset(),
}


class NotAllowedError(PermissionError):
    """The signed-in identity lacks the role a page or query needs."""


@dataclass(frozen=True, slots=True)
class Identity:
    """A signed-in person: a name, the roles they hold and how they signed in."""

    name: str
    roles: frozenset[Role]
    method: Literal["local", "proxy", "oidc"] = "local"

    def may(self, topic: Topic) -> bool:
        """Whether this identity may open ``topic`` (admin may open everything)."""
        return "admin" in self.roles or bool(self.roles & TOPIC_ROLES[topic])


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


def mapped_identity(
    name: str, auth: AuthSettings, method: Literal["proxy", "oidc"]
) -> Identity | None:
    """An identity from a proxy header or OIDC whose roles come from ``auth.roles``."""
    name = name.strip()
    if not name:
        return None
    return Identity(name, valid_roles(auth.roles.get(name, ())), method)


def proxy_identity(headers: Mapping[str, str], auth: AuthSettings) -> Identity | None:
    """The identity the trusted reverse proxy names in ``auth.proxy_header``, if any."""
    wanted = auth.proxy_header.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return mapped_identity(value, auth, "proxy")
    return None
