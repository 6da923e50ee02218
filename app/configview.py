"""The effective configuration as a person may see it: secrets never, only where they come from.

A secret is never part of the settings (each is read from the environment variable a ``*_env``
field names); values that may still carry one (a URL's password or token, a field named like a
secret) are masked.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Final

import yaml

from core.config import Settings
from core.display import SYSTEM_TITLES
from core.redaction import MASK, mask_url

# Field names that hold secrets themselves (names of environment variables end in _env and
# are shown: they say where a secret lives, not what it is).
_SECRET: Final = re.compile(r"(?i)(secret|token|password|private_key|api_key|credential)")
_ENV_SUFFIX: Final = "_env"


def masked_settings(settings: Settings) -> dict[str, Any]:
    """``settings`` as JSON-ready data with secret values masked and URLs' passwords hidden."""
    data = settings.model_dump(mode="json")
    masked = _mask(data)
    assert isinstance(masked, dict)
    return masked


def _mask(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _mask(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, key) for v in value]
    if isinstance(value, str):
        if _SECRET.search(key) and not key.endswith(_ENV_SUFFIX) and not key.endswith("_header"):
            return MASK
        if "://" in value:
            return mask_url(value)
    return value


def as_yaml(masked: dict[str, Any]) -> str:
    """The masked settings in the form of the configuration file."""
    return yaml.safe_dump(masked, sort_keys=False, allow_unicode=True, width=96)


def secret_variables(masked: dict[str, Any]) -> list[tuple[str, str]]:
    """Every setting that names the environment variable of a secret: (dotted path, name)."""
    found: list[tuple[str, str]] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                where = f"{path}.{key}" if path else str(key)
                if str(key).endswith(_ENV_SUFFIX) and isinstance(inner, str):
                    found.append((where, inner))
                else:
                    walk(inner, where)

    walk(masked, "")
    return found


def setting_title(path: str) -> str:
    """A dotted setting path in words, without its ``_env``: ``Sources › Stripe › api key``."""
    parts = path.split(".")
    parts[-1] = parts[-1].removesuffix(_ENV_SUFFIX)
    words = [SYSTEM_TITLES.get(p, p.replace("_", " ")) for p in parts]
    text = " › ".join(words)
    return text[:1].upper() + text[1:]


def digest(masked: dict[str, Any]) -> str:
    """A short fingerprint of the masked settings: which configuration someone saw."""
    text = json.dumps(masked, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
