"""Alembic environment for Chronicles (see servicekit.migrations)."""

from __future__ import annotations

from alembic import context

from chronicles.store.models import metadata
from servicekit.migrations import run_env

run_env(context, metadata)
