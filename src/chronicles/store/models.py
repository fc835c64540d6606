"""Imports every model module so that ``Base.metadata`` is complete."""

from __future__ import annotations

from chronicles.integrity import tables as integrity_tables  # noqa: F401  (registers the chain tables)
from chronicles.store import tables  # noqa: F401  (registers the tables)
from chronicles.store.base import Base

metadata = Base.metadata
