"""Read, validate and check a configuration file, reporting the first problem in one line."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml
from dotenv import dotenv_values
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from core.config.models import Settings
from core.errors import SyncwatchError

# Discriminator values pydantic adds to an error's location; users never write them as keys.
_UNION_TAGS = {
    "salesforce",
    "stripe",
    "netsuite",
    "zendesk",
    "middleware_logs",
    "client_credentials",
    "jwt_bearer",
    "oauth1",
    "oauth2",
}


class ConfigError(SyncwatchError):
    """A configuration problem, worded for the person who wrote the file."""

    exit_code = 2


def load_settings(path: Path) -> Settings:
    """Load ``path``, apply its env file, validate it and check every secret is set."""
    data = _read_yaml(path)
    env_file = data.get("env_file") if isinstance(data, dict) else None
    if isinstance(env_file, str):
        _apply_env_file(path, path.parent / env_file)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        first = _describe(errors[0], data)
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ConfigError(f"{path}: {first}{more}") from None
    for field_path, env_name in _secret_env_names(settings):
        if env_name not in os.environ:
            raise ConfigError(
                f"{path}: {field_path}: environment variable {env_name} is not set "
                "(export it, or name another variable)"
            )
    return settings


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(
            f"{path}: config file not found (pass --config FILE or set SYNCWATCH_CONFIG)"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise ConfigError(f"{path}{where}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of sections")
    return data


def _apply_env_file(config_path: Path, env_path: Path) -> None:
    if not env_path.is_file():
        raise ConfigError(f"{config_path}: env_file: {env_path} does not exist")
    for key, value in dotenv_values(env_path).items():
        if value is not None:
            os.environ.setdefault(key, value)


def _describe(error: ErrorDetails, data: dict[str, Any]) -> str:
    return f"{_location(error['loc'], data)}: {_message(error)}"


def _location(loc: Sequence[int | str], data: dict[str, Any]) -> str:
    parts: list[str] = []
    node: Any = data
    for i, part in enumerate(loc):
        if isinstance(part, str) and part in _UNION_TAGS and i > 0 and not _has_key(node, part):
            continue
        if part == "[key]":
            # pydantic's marker for a bad mapping key, which the path already ends with.
            continue
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            name = item.get("name") if isinstance(item, dict) else None
            parts[-1] = f"{parts[-1]}[{name if isinstance(name, str) else part}]"
        else:
            parts.append(part)
        node = _child(node, part)
    return ".".join(parts) or "(top level)"


def _has_key(node: Any, key: str) -> bool:
    return isinstance(node, dict) and key in node


def _child(node: Any, part: int | str) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and part < len(node):
        return node[part]
    return node


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required field is missing"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        field = str(ctx.get("discriminator", "type")).strip("'")
        return f"unknown {field} {ctx.get('tag')!r} (expected {ctx.get('expected_tags')})"
    if kind == "union_tag_not_found":
        field = str(error.get("ctx", {}).get("discriminator", "type")).strip("'")
        return f"missing {field}"
    message = error["msg"].removeprefix("Value error, ")
    if kind != "value_error" and "input" in error and not isinstance(error["input"], dict):
        message = f"{message[:1].lower()}{message[1:]} (got {error['input']!r})"
    return message


def _secret_env_names(settings: Settings) -> Iterator[tuple[str, str]]:
    """Every ``*_env`` field of an enabled source, with its dotted path."""
    for name, source in settings.sources.items():
        if source.enabled:
            yield from _env_fields(source, f"sources.{name}")


def _env_fields(model: BaseModel, prefix: str) -> Iterator[tuple[str, str]]:
    for field_name in type(model).model_fields:
        value = getattr(model, field_name)
        if isinstance(value, BaseModel):
            yield from _env_fields(value, f"{prefix}.{field_name}")
        elif field_name.endswith("_env") and isinstance(value, str):
            yield f"{prefix}.{field_name}", value
