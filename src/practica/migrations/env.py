"""Alembic environment for Practica (see servicekit.migrations)."""

from __future__ import annotations

from alembic import context

from practica.tables import metadata
from servicekit.migrations import run_env, skip_tables_named

run_env(context, metadata, skip_tables_named("procrastinate_"))
