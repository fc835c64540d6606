"""The chain's tables: one seal per app and recorded day, the sealing watermark, and retention anchors.

Entries themselves are never updated: a seal holds, per entry of its day,
the id (as compressed differences) and the first 8 bytes of its digest, so
``chronicles verify`` can name the entry that differs, and the day's head
over the full digests, chained to the app's previous sealed day.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Date, DateTime, Integer, LargeBinary, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from chronicles.store.base import Base

TIMESTAMP = DateTime(timezone=True)


class ChainSeal(Base):
    """``app``'s entries recorded on ``day`` (UTC), in id order, sealed once the day could no longer change."""

    __tablename__ = "chain_seals"

    app: Mapped[str] = mapped_column(Text, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    entries: Mapped[int] = mapped_column(Integer)
    first_id: Mapped[int] = mapped_column(BigInteger)
    last_id: Mapped[int] = mapped_column(BigInteger)
    id_deltas: Mapped[bytes] = mapped_column(LargeBinary)  # zlib of big-endian int8 differences
    digests: Mapped[bytes] = mapped_column(LargeBinary)  # 8 bytes per entry, in id order
    occurred_lags: Mapped[bytes] = mapped_column(LargeBinary)  # zlib of int4 (recorded day - occurred day)
    previous_head: Mapped[bytes] = mapped_column(LargeBinary)
    head: Mapped[bytes] = mapped_column(LargeBinary)
    sealed_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())


class ChainSealing(Base):
    """The one row saying through which day every app is sealed (and from which day sealing began)."""

    __tablename__ = "chain_sealing"

    singleton: Mapped[bool] = mapped_column(Boolean, primary_key=True, server_default=text("true"))
    sealed_from: Mapped[date] = mapped_column(Date)
    sealed_through: Mapped[date] = mapped_column(Date)

    __table_args__ = (CheckConstraint("singleton", name="one_row"),)


class ChainAnchor(Base):
    """Where an app's chain resumes after retention forgot its older seals."""

    __tablename__ = "chain_anchors"

    app: Mapped[str] = mapped_column(Text, primary_key=True)
    forgotten_before: Mapped[date] = mapped_column(Date)
    head: Mapped[bytes] = mapped_column(LargeBinary)  # the head of the last forgotten day
    forgotten_at: Mapped[datetime] = mapped_column(TIMESTAMP, server_default=func.now())
