"""Alembic environment for Practica (see servicekit.migrations)."""

from __future__ import annotations

from typing import Any

from alembic import context

from practica.db.models import metadata
from servicekit.migrations import run_env

OWN_ELSEWHERE = ("procrastinate_",)


def include_name(name: str | None, type_: str, _parent: Any) -> bool:
    """Leave procrastinate's tables, which its own SQL creates, out of the comparison."""
    return not (type_ == "table" and name is not None and name.startswith(OWN_ELSEWHERE))


run_env(context, metadata, include_name)
