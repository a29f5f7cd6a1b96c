"""Apply the Alembic migrations that live in ``dialist/db/migrations``."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from dialist.db.engine import Database

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database: Database) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    config.attributes["engine"] = database.engine
    return config


def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema of ``database`` up to ``revision`` (idempotent)."""
    command.upgrade(alembic_config(database), revision)
