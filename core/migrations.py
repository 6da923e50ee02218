"""Schema migrations (Alembic, scripts under sql/migrations) run from syncwatch's own commands."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, pool

import sql.migrations
from core.database import Database
from core.errors import NotMigratedError

SCRIPT_LOCATION = Path(sql.migrations.__file__).parent


@dataclass(frozen=True)
class SchemaStatus:
    """Where the database stands against the migrations this version ships."""

    current: str | None
    head: str
    pending: list[str]

    @property
    def up_to_date(self) -> bool:
        """Whether no migration is pending."""
        return self.current == self.head


def _engine(db: Database) -> Engine:
    """An engine whose connections come from ``db.connect``, so they fail as ours do."""
    return create_engine("postgresql+psycopg://", creator=db.connect, poolclass=pool.NullPool)


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    return config


def status(db: Database) -> SchemaStatus:
    """The current revision, the head, and the revisions still to apply (oldest first)."""
    scripts = ScriptDirectory.from_config(_config())
    head = scripts.get_current_head()
    assert head is not None
    engine = _engine(db)
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    pending = [
        s.revision
        for s in reversed(list(scripts.walk_revisions(base="base", head="heads")))
        if current is None or s.revision not in _ancestry(scripts, current)
    ]
    return SchemaStatus(current=current, head=head, pending=pending)


def _ancestry(scripts: ScriptDirectory, revision: str) -> set[str]:
    return {s.revision for s in scripts.walk_revisions(base="base", head=revision)}


def _run(db: Database, action: str, target: str) -> None:
    config = _config()
    engine = _engine(db)
    try:
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            if action == "upgrade":
                command.upgrade(config, target)
            else:
                command.downgrade(config, target)
    finally:
        engine.dispose()


def upgrade(db: Database, target: str = "head") -> list[str]:
    """Apply pending migrations up to ``target``; return the revisions applied."""
    before = status(db).pending
    _run(db, "upgrade", target)
    after = set(status(db).pending)
    return [r for r in before if r not in after]


def downgrade(db: Database, target: str) -> None:
    """Revert migrations down to ``target`` (``base`` for an empty database)."""
    _run(db, "downgrade", target)


def require_migrated(db: Database) -> None:
    """Refuse to go on when the schema is behind this version of syncwatch."""
    state = status(db)
    if not state.up_to_date:
        at = state.current or "an empty database"
        raise NotMigratedError(
            f"the database is not migrated (at {at}, this version needs {state.head}): "
            "run `syncwatch db upgrade`"
        )
