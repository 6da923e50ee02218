"""Base model and secret references shared by every configuration section."""

from __future__ import annotations

import os
import re
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, SecretStr

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class ConfigModel(BaseModel):
    """Strict, immutable configuration model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def check_env_name(value: str) -> str:
    """Validate the *name* of an environment variable that holds a secret."""
    if not _ENV_NAME.match(value):
        raise ValueError(f"must be an environment variable name (got {value!r})")
    return value


def check_time_zone(value: str) -> str:
    """Validate an IANA time-zone name such as ``Europe/Berlin``."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


TimeZoneName = Annotated[str, AfterValidator(check_time_zone)]


def read_secret(env_name: str) -> SecretStr:
    """Read a secret from the environment; the loader has already checked that it is set."""
    value = os.environ.get(env_name)
    if value is None:
        raise LookupError(f"environment variable {env_name} is not set")
    return SecretStr(value)
