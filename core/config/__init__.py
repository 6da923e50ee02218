"""Typed configuration: one YAML file validated by pydantic models."""

from core.config.loader import ConfigError, load_settings
from core.config.models import Settings

__all__ = ["ConfigError", "Settings", "load_settings"]
