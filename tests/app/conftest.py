"""Fixtures for the dashboard: a seeded store cloned per test, and a clean Streamlit cache."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import streamlit as st

from core.database import Database
from testkit.dashboard_store import seed
from tests.postgres import create_database, drop_database, with_database


@pytest.fixture(scope="session")
def seeded_template(pg_admin_url: str, migrated_template: str) -> Iterator[str]:
    """A migrated database holding a seeded sandbox world, cloned by the tests."""
    name = create_database(pg_admin_url, template=migrated_template)
    seed(Database(with_database(pg_admin_url, name)))
    yield name
    drop_database(pg_admin_url, name)


@pytest.fixture
def seeded_db(pg_admin_url: str, seeded_template: str) -> Iterator[Database]:
    """A fresh copy of the seeded store."""
    name = create_database(pg_admin_url, template=seeded_template)
    yield Database(with_database(pg_admin_url, name))
    drop_database(pg_admin_url, name)


@pytest.fixture
def app_env(seeded_db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    """The app pointed at the seeded store, with no runtime or cached data left over."""
    monkeypatch.setenv("DATABASE_URL", seeded_db.url)
    monkeypatch.delenv("SYNCWATCH_CONFIG", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    yield seeded_db
    st.cache_resource.clear()
    st.cache_data.clear()
