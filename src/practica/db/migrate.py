"""Practica's Alembic history: its scripts (``practica/migrations``) and version table."""

from __future__ import annotations

from pathlib import Path

from servicekit.migrations import ProductMigrations

MIGRATIONS = ProductMigrations(Path(__file__).resolve().parent.parent / "migrations", "practica_alembic_version")
