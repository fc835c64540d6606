"""The transactional outbox: events are rows written in the caller's transaction.

An event recorded with :func:`record_event` exists exactly when the change
that caused it commits; the relay job delivers it to Chronicles afterwards
(at least once; the ``sequence_code`` makes repeats harmless there).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import BigInteger, DateTime, Identity, Index, Integer, Text, func, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from practica.db.base import Base
from practica.jobs.queue import defer_by_name_in_transaction, jobs

APP = "practica"


class OutboxEvent(Base):
    __tablename__ = "outbox_events"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    sequence_code: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), unique=True)
    message: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_outbox_events_unsent", "id", postgresql_where=text("sent_at IS NULL")),)


def gid(type_: str, id_: object) -> str:
    """Practica's global id for an object: ``gid://practica/TYPE/ID``."""
    return f"gid://{APP}/{type_}/{id_}"


async def record_event(
    session: AsyncSession,
    *,
    subject: str,
    action: str,
    performer: str | None,
    payload: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> uuid.UUID:
    """Write an event in ``session``'s transaction and make sure a relay job will pick it up."""
    sequence_code = uuid.uuid4()
    message: dict[str, Any] = {
        "sequence_code": str(sequence_code),
        "app": APP,
        "subject": subject,
        "action": action,
        "payload": payload or {},
        "occurred_at": (occurred_at or datetime.now(UTC)).isoformat(),
    }
    if performer is not None:
        message["performer"] = performer
    session.add(OutboxEvent(sequence_code=sequence_code, message=message))
    await session.flush()
    await _wake_relay(session)
    return sequence_code


RELAY_TASK = "practica.events.relay"  # registered by practica.events.relay


async def _wake_relay(session: AsyncSession) -> None:
    """Queue one relay job; a queued one already covers this event (the lock says so)."""
    try:
        async with session.begin_nested():
            await defer_by_name_in_transaction(session, jobs, RELAY_TASK, queueing_lock="events-relay")
    except AlreadyEnqueued:
        return
