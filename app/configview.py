"""The effective configuration as a person may see it: secrets and passwords masked."""

from __future__ import annotations

import re
from typing import Any, Final

from core.config import Settings
from core.redaction import MASK, mask_url

# Field names that hold secrets themselves (names of environment variables end in _env and
# are shown: they say where a secret lives, not what it is).
_SECRET: Final = re.compile(r"(?i)(secret|token|password|private_key|api_key|credential)")


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
        if _SECRET.search(key) and not key.endswith("_env"):
            return MASK
        if "://" in value:
            return mask_url(value)
    return value
