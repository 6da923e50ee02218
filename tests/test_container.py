"""The container image and compose file say what the README promises (no engine runs here)."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """Dockerfile instructions as (KEYWORD, arguments), continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", dockerfile.read_text(encoding="utf-8"))
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            keyword, _, rest = line.strip().partition(" ")
            pairs.append((keyword.upper(), rest.strip()))
    return pairs


def test_image_builds_from_the_pins_as_a_non_root_user(repo_root: Path) -> None:
    steps = instructions(repo_root / "Dockerfile")
    assert steps[0] == ("FROM", "python:3.11-slim")
    runs = [rest for keyword, rest in steps if keyword == "RUN"]
    assert any("pip install -c constraints.txt ." in r for r in runs)
    users = [rest for keyword, rest in steps if keyword == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert any(k == "HEALTHCHECK" and "/healthz" in rest for k, rest in steps)
    assert steps[-1] == ("CMD", '["syncwatch", "run"]')
    copied = {rest.split()[0] for keyword, rest in steps if keyword == "COPY"}
    project = tomllib.loads((repo_root / "pyproject.toml").read_text(encoding="utf-8"))
    packaged = project["tool"]["setuptools"]["packages"]["find"]["include"]
    assert {pattern.rstrip("*") for pattern in packaged} <= copied


def test_compose_runs_postgres_scheduler_and_dashboard_from_the_image(repo_root: Path) -> None:
    compose = yaml.safe_load((repo_root / "docker-compose.yml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert services["postgres"]["image"] == "postgres:16"
    assert services["scheduler"]["command"] == ["syncwatch", "run"]
    assert services["dashboard"]["command"][:2] == ["syncwatch", "dashboard"]
    assert services["migrate"]["command"] == ["syncwatch", "db", "upgrade"]
    for name in ("scheduler", "dashboard", "migrate"):
        assert services[name]["build"] == "."
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgresql://")
        # Secrets come from the environment of whoever runs compose, never from the file.
        assert all(str(v).startswith(("${", "postgresql://syncwatch:${")) for v in env.values())
    assert json.dumps(compose).count("${POSTGRES_PASSWORD") >= 2
