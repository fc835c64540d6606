"""Every minute, each eval host is asked who it is; one silent for longer than the timeout is marked down.

A host answering clears its ``down_since`` and its ``last_error``; one that
does not answer keeps its error for ``practica hosts list``, and turns
*down* once it was last seen more than ``PRACTICA_SANDBOX_HOST_HEARTBEAT_TIMEOUT``
ago. Down hosts take no new environments (:func:`practica.hosts.registry.place`).
The hosts are asked at once, each in its own thread, so a silent one costs
the probe's timeout, not one per host.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import structlog
from procrastinate import JobContext
from sqlalchemy import Update, case, func, select, update

from practica.hosts.engine import EngineError, EngineFacts, probe
from practica.hosts.models import EvalHost
from practica.jobs.queue import SANDBOX_QUEUE, jobs
from practica.jobs.resources import Sessions, worker_resources

HEARTBEAT_TASK = "practica.hosts.heartbeat"
log = structlog.get_logger(__name__)
Probe = Callable[[str, Path], EngineFacts]


@dataclass(frozen=True)
class Beat:
    """One host's answer to one heartbeat: its facts, or why it did not answer."""

    name: str
    facts: EngineFacts | None
    error: str | None


async def beat(sessions: Sessions, silent_for: timedelta, ask: Probe = probe) -> list[Beat]:
    """Ask every host once and record what each said; the hosts that are down afterwards are logged."""
    async with sessions() as session:
        hosts = (await session.execute(select(EvalHost.name, EvalHost.url, EvalHost.cert_dir))).all()
    beats = await asyncio.gather(*(_ask(ask, name, url, Path(cert_dir)) for name, url, cert_dir in hosts))
    async with sessions() as session, session.begin():
        for answer in beats:
            await session.execute(_record(answer, silent_for))
        down = (await session.scalars(select(EvalHost.name).where(EvalHost.down_since.is_not(None)))).all()
    for name in down:
        log.warning("hosts.down", host=name)
    return list(beats)


async def _ask(ask: Probe, name: str, url: str, cert_dir: Path) -> Beat:
    try:
        return Beat(name, await asyncio.to_thread(ask, url, cert_dir), None)
    except EngineError as error:
        return Beat(name, None, error.detail)


def _record(answer: Beat, silent_for: timedelta) -> Update:
    row = update(EvalHost).where(EvalHost.name == answer.name)
    if answer.facts is not None:
        return row.values(last_seen_at=func.now(), down_since=None, last_error=None, engine=answer.facts.engine)
    silent_too_long = EvalHost.last_seen_at < func.now() - silent_for
    return row.values(
        last_error=answer.error,
        down_since=case(
            (EvalHost.down_since.is_not(None), EvalHost.down_since), (silent_too_long, func.now()), else_=None
        ),
    )


@jobs.periodic(cron="* * * * *", periodic_id="hosts-heartbeat")
@jobs.task(name=HEARTBEAT_TASK, queue=SANDBOX_QUEUE, pass_context=True)
async def heartbeat(context: JobContext, timestamp: int) -> None:
    resources = worker_resources(context)
    await beat(resources.sessions, resources.sandbox.settings.host_heartbeat_timeout)
