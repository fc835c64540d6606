"""Alembic environment for Chronicles (see servicekit.migrations)."""

from __future__ import annotations

from typing import Any

from alembic import context

from chronicles.store.models import metadata
from chronicles.store.partitions import is_partition_object
from servicekit.migrations import run_env, skip_tables_named

skip_procrastinate = skip_tables_named("procrastinate_")


def include_name(name: str | None, type_: str, parent: Any) -> bool:
    """Leave out procrastinate's tables and the monthly partitions (the models describe their parents)."""
    monthly = name is not None and is_partition_object(name, type_)
    return skip_procrastinate(name, type_, parent) and not monthly


run_env(context, metadata, include_name)
