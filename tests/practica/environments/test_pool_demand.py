"""How big each host's pools should be: this machine's own demand, or an eval host's share of all of theirs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from practica.environments.models import LearnerEnvironment
from practica.environments.pool import demand, pool_key
from practica.hosts import registry
from practica.hosts.engine import EngineFacts
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import EnvironmentSpec, NetworkAccess

FACTS = EngineFacts(engine="podman 4.3.1", memory=16 << 30, cpus=4)
PLAIN = EnvironmentSpec()
ONLINE = EnvironmentSpec(network=NetworkAccess.EGRESS)
SETTINGS = SandboxSettings(host_name="platform")


@pytest.fixture
async def sessions(practica_db_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(practica_db_url)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def _made(sessions: async_sessionmaker[AsyncSession], host: str, spec: EnvironmentSpec, count: int) -> None:
    async with sessions() as session, session.begin():
        for n in range(count):
            session.add(
                LearnerEnvironment(
                    id=f"{host}-{pool_key(spec)[:8]}-{n}", owner_key=f"{host}-learner-{n}", lesson_key=pool_key(spec),
                    runtime="docker", host=host, status="running", spec=spec.model_dump(mode="json"),
                )
            )  # fmt: skip


async def _hosts(sessions: async_sessionmaker[AsyncSession], *names: str) -> None:
    async with sessions() as session, session.begin():
        for name in names:
            await registry.add_host(session, name, f"tcp://{name}:2376", Path("/certs"), FACTS, capacity_count=50)


def _sizes(wanted: dict[str, tuple[int, EnvironmentSpec]]) -> dict[str, int]:
    return {key: count for key, (count, _spec) in wanted.items()}


async def test_an_eval_host_wants_its_share_of_what_every_eval_host_made(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _hosts(sessions, "a", "b", "c")
    await _made(sessions, "a", PLAIN, 5)
    await _made(sessions, "b", ONLINE, 1)
    await _made(sessions, "platform", PLAIN, 9)  # this machine's, before the hosts came: not theirs

    expected = {pool_key(PLAIN): 2, pool_key(ONLINE): 1}  # 5 over 3 hosts, rounded up; 1 over 3
    for host in ("a", "b", "c"):  # "c" made nothing yet: a host just added is warm before its first learner
        assert _sizes(await demand(sessions, SETTINGS, host)) == expected
    assert _sizes(await demand(sessions, SETTINGS, "platform")) == {pool_key(PLAIN): 9}


async def test_a_draining_host_wants_none_and_the_others_share_its_part(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await _hosts(sessions, "a", "b")
    await _made(sessions, "a", PLAIN, 4)
    async with sessions() as session, session.begin():
        await registry.set_draining(session, "a", True)

    assert await demand(sessions, SETTINGS, "a") == {}
    assert _sizes(await demand(sessions, SETTINGS, "b")) == {pool_key(PLAIN): 4}
