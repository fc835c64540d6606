"""Run Practica's Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from servicekit import migrations

SCRIPT_LOCATION = Path(__file__).resolve().parent.parent / "migrations"
VERSION_TABLE = "practica_alembic_version"


def config(database_url: str) -> Config:
    return migrations.alembic_config(SCRIPT_LOCATION, database_url, VERSION_TABLE)


def upgrade(database_url: str) -> None:
    migrations.upgrade(config(database_url))


def upgrade_to(database_url: str, revision: str) -> None:
    """Migrate to ``revision`` only (tests of a migration's data changes start from the one before it)."""
    migrations.upgrade(config(database_url), revision)


def check(database_url: str) -> None:
    migrations.check(config(database_url))
