"""What every command shares: the config file, the clock and the database, opened lazily."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from core.clock import Clock
from core.config import Settings, load_settings
from core.database import Database, open_database
from core.migrations import require_migrated

DEFAULT_CONFIG = Path("syncwatch.yaml")


@dataclass
class AppContext:
    """Lazily built settings and database for one CLI invocation."""

    config_path: Path | None
    clock: Clock
    data_dir: Path | None = None
    _settings: Settings | None = field(default=None, init=False)
    _database: Database | None = field(default=None, init=False)

    @property
    def resolved_config_path(self) -> Path:
        """``--config``, else ``$SYNCWATCH_CONFIG``, else ./syncwatch.yaml."""
        if self.config_path is not None:
            return self.config_path
        return Path(os.environ.get("SYNCWATCH_CONFIG") or DEFAULT_CONFIG)

    def settings(self, *, required: bool = True) -> Settings:
        """The validated settings; without a config file, the defaults when not ``required``."""
        if self._settings is None:
            path = self.resolved_config_path
            explicit = self.config_path is not None or "SYNCWATCH_CONFIG" in os.environ
            if required or explicit or path.exists():
                self._settings = load_settings(path)
            else:
                self._settings = Settings()
        return self._settings

    def database(self, *, migrated: bool = True, config_required: bool = False) -> Database:
        """The store, checked to be migrated unless ``migrated`` is False."""
        if self._database is None:
            settings = self.settings(required=config_required)
            self._database = open_database(settings.database, self.data_dir)
        if migrated:
            require_migrated(self._database)
        return self._database

    def close(self) -> None:
        """Release the database handle (stopping an embedded server nobody else uses)."""
        if self._database is not None:
            self._database.close()
            self._database = None
