"""Shared fixtures: each test that needs the store gets its own database on a real PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from core import migrations
from core.database import Database
from tests.postgres import create_database, drop_database, server_url, with_database

# CLI tables read by tests are as wide on a test worker (no terminal) as in a wide terminal.
os.environ.setdefault("COLUMNS", "200")


@pytest.fixture(scope="session")
def pg_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Admin URL of the PostgreSQL server the suite runs against."""
    with server_url(tmp_path_factory.mktemp("postgres")) as url:
        yield url


@pytest.fixture(scope="session")
def migrated_template(pg_admin_url: str) -> Iterator[str]:
    """A database migrated to head, cloned for every test that needs the store."""
    name = create_database(pg_admin_url)
    migrations.upgrade(Database(with_database(pg_admin_url, name)))
    yield name
    drop_database(pg_admin_url, name)


@pytest.fixture
def empty_db(pg_admin_url: str) -> Iterator[Database]:
    """A fresh database with no schema."""
    name = create_database(pg_admin_url)
    yield Database(with_database(pg_admin_url, name))
    drop_database(pg_admin_url, name)


@pytest.fixture
def db(pg_admin_url: str, migrated_template: str) -> Iterator[Database]:
    """A fresh database migrated to head."""
    name = create_database(pg_admin_url, template=migrated_template)
    yield Database(with_database(pg_admin_url, name))
    drop_database(pg_admin_url, name)


@pytest.fixture
def repo_root() -> Path:
    """The repository checkout."""
    return Path(__file__).resolve().parent.parent
