"""Schema migrations with Alembic, run from code.

Alembic rather than a home-made runner: it is already a dependency of the central extra, it knows
SQLite's limits (batch mode copies a table to alter it) and PostgreSQL's transactional DDL, and a
site's DBA recognises its ``alembic_version`` table. ``kiosk-central serve`` upgrades to the newest
revision before it accepts requests (once, in the parent process, before any worker starts).
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from central.db import Database

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest)."""
    config = alembic_config()
    with database.write_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(database: Database) -> str | None:
    with database.read_engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
