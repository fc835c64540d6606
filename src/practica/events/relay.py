"""The relay job: delivers unsent outbox rows to Chronicles through the configured transport.

It runs after each transaction that recorded an event (one job queued at a
time, by queueing lock) and every minute as a safety net. Rows are claimed
with ``FOR UPDATE SKIP LOCKED`` so several workers never send the same batch
at once, and marked sent only after the transport confirmed delivery.
"""

from __future__ import annotations

import json

import structlog
from procrastinate import JobContext
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from practica.events.credentials import producer_token
from practica.events.http import HttpTransport
from practica.events.outbox import RELAY_TASK, OutboxEvent
from practica.events.transport import EventTransport, TransportError
from practica.jobs.queue import jobs
from practica.jobs.resources import worker_resources
from practica.settings import PracticaSettings

BATCH_SIZE = 500
log = structlog.get_logger(__name__)


def make_transport(settings: PracticaSettings) -> EventTransport:
    """Kafka when ``KAFKA_BOOTSTRAP_SERVERS`` is set, else Chronicles' HTTP intake (with a producer token)."""
    if settings.kafka_bootstrap_servers:
        from practica.events.kafka import KafkaTransport

        kafka: EventTransport = KafkaTransport(settings.kafka_bootstrap_servers, settings.practica_events_topic)
        return kafka
    return HttpTransport(settings.chronicles_url, producer_token(settings))


async def relay_once(sessions: async_sessionmaker[AsyncSession], transport: EventTransport) -> int:
    """Send one batch; return how many events were delivered."""
    async with sessions() as session, session.begin():
        rows = (
            await session.scalars(
                select(OutboxEvent)
                .where(OutboxEvent.sent_at.is_(None))
                .order_by(OutboxEvent.id)
                .limit(BATCH_SIZE)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if not rows:
            return 0
        ids = [row.id for row in rows]
        try:
            await transport.send([json.dumps(row.message).encode() for row in rows])
        except TransportError as error:
            await session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_(ids))
                .values(attempts=OutboxEvent.attempts + 1, last_error=str(error)[:1000])
            )
            log.warning("events.relay_failed", events=len(ids), transport=transport.name, error=str(error))
            return 0
        await session.execute(update(OutboxEvent).where(OutboxEvent.id.in_(ids)).values(sent_at=func.now()))
        return len(ids)


async def relay_all(sessions: async_sessionmaker[AsyncSession], transport: EventTransport) -> int:
    delivered = 0
    while (sent := await relay_once(sessions, transport)) > 0:
        delivered += sent
    return delivered


@jobs.task(name=RELAY_TASK, pass_context=True)
async def relay(context: JobContext) -> None:
    await _relay_from_worker(context)


@jobs.periodic(cron="* * * * *", periodic_id="events-relay")
@jobs.task(name="practica.events.relay_periodic", pass_context=True)
async def relay_periodic(context: JobContext, timestamp: int) -> None:
    await _relay_from_worker(context)


async def _relay_from_worker(context: JobContext) -> None:
    resources = worker_resources(context)
    transport = make_transport(resources.settings)
    try:
        delivered = await relay_all(resources.sessions, transport)
    finally:
        await transport.close()
    if delivered:
        log.info("events.relayed", events=delivered, transport=transport.name)
