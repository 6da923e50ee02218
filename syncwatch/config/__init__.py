"""Typed configuration: one YAML file validated by pydantic models."""

from syncwatch.config.loader import ConfigError, load_settings
from syncwatch.config.models import Settings

__all__ = ["ConfigError", "Settings", "load_settings"]
