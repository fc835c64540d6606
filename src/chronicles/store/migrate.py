"""Chronicles' Alembic history: its scripts (``chronicles/migrations``) and version table."""

from __future__ import annotations

from pathlib import Path

from servicekit.migrations import ProductMigrations

MIGRATIONS = ProductMigrations(Path(__file__).resolve().parent.parent / "migrations", "chronicles_alembic_version")
