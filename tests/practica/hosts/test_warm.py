"""A worker or gateway makes each eval host's runtime ahead of the first request there, on real eval hosts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from practica.hosts import registry
from practica.hosts.engine import probe
from practica.hosts.heartbeat import beat
from practica.hosts.runtimes import warm_runtimes
from practica.jobs.resources import SandboxWorker
from practica.sandbox.settings import SandboxSettings
from tests.eval_hosts import EvalHostLab

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def worker() -> AsyncIterator[SandboxWorker]:
    made = SandboxWorker(SandboxSettings())
    yield made
    await made.close_remote()


async def test_each_answering_host_is_made_once_and_a_silent_one_when_it_answers(
    sessions: Sessions, worker: SandboxWorker, two_hosts: tuple[EvalHostLab, EvalHostLab], client_certs: Path
) -> None:
    first, second = two_hosts
    for lab in two_hosts:
        async with sessions() as session, session.begin():
            facts = probe(lab.url, client_certs)
            await registry.add_host(session, lab.name, lab.url, client_certs, facts, capacity_count=5)
    second.go_silent()  # not yet marked down: tried, and failed

    assert await warm_runtimes(worker, sessions) == [first.name]
    assert set(worker.remote) == {first.name}
    assert await warm_runtimes(worker, sessions) == []  # made already: nothing asked again

    second.answer_again()
    assert await warm_runtimes(worker, sessions) == [second.name]

    first.go_silent()
    await beat(sessions, timedelta(0))  # the first is marked down, the second is up
    assert await warm_runtimes(worker, sessions) == []
