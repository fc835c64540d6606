"""Eval hosts as data: one row per engine the platform may place environments on.

A host is *active* (placements go to it), *draining* (an operator asked: no
new environments, those on it stay) or *down* (``down_since``: the heartbeat
found it silent for longer than the timeout; no new environments, and the
row says since when). The heartbeat clears ``down_since`` when the host
answers again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, DateTime, Integer, String, Text, false, func
from sqlalchemy.orm import Mapped, mapped_column

from practica.db.base import Base

NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"


class EvalHost(Base):
    __tablename__ = "eval_hosts"

    name: Mapped[str] = mapped_column(String(63), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    cert_dir: Mapped[str] = mapped_column(Text)
    capacity_memory: Mapped[int] = mapped_column(BigInteger)
    capacity_count: Mapped[int] = mapped_column(Integer)
    engine: Mapped[str] = mapped_column(Text)
    draining: Mapped[bool] = mapped_column(Boolean, server_default=false())
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    down_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("capacity_memory > 0", name="capacity_memory"),
        CheckConstraint("capacity_count > 0", name="capacity_count"),
        CheckConstraint(f"name ~ '{NAME_PATTERN}'", name="name"),
    )
