"""The eval-host registry on a real database: adding, draining, removing, and placing by room."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from practica.environments.models import LearnerEnvironment
from practica.hosts import registry
from practica.hosts.engine import EngineFacts
from practica.hosts.registry import HostError, NoRoomError
from practica.sandbox.spec import EnvironmentSpec, ResourceLimits

GIB = 1024**3
Sessions = async_sessionmaker[AsyncSession]


def spec(memory: int = GIB) -> EnvironmentSpec:
    return EnvironmentSpec(limits=ResourceLimits(memory=memory))


async def add(sessions: Sessions, name: str, memory: int = 4 * GIB, count: int = 10) -> None:
    facts = EngineFacts(engine="podman 4.3.1", memory=64 * GIB, cpus=8)
    async with sessions() as session, session.begin():
        await registry.add_host(
            session, name, f"tcp://{name}.example:2376", Path("/etc/practica/certs"), facts,
            capacity_memory=memory, capacity_count=count,
        )  # fmt: skip


async def environment_on(sessions: Sessions, host: str, memory: int = GIB, status: str = "running") -> str:
    """A learner environment row on ``host`` (what placement counts), as the lifecycle would leave it."""
    async with sessions() as session, session.begin():
        count = await session.scalar(text("SELECT count(*) FROM learner_environments"))
        env_id = f"env-{count}"
        session.add(
            LearnerEnvironment(
                id=env_id, owner_key=f"learner-{count}", lesson_key="py-1", runtime="docker", host=host,
                status=status, spec=spec(memory).model_dump(mode="json"),
            )
        )  # fmt: skip
    return env_id


async def place(sessions: Sessions, memory: int = GIB) -> str:
    async with sessions() as session, session.begin():
        return await registry.place(session, spec(memory))


async def place_and_hold(sessions: Sessions, memory: int = GIB) -> str:
    """Place, and record the environment on the chosen host in the same transaction (as the platform will)."""
    async with sessions() as session, session.begin():
        host = await registry.place(session, spec(memory))
        count = await session.scalar(text("SELECT count(*) FROM learner_environments"))
        session.add(
            LearnerEnvironment(
                id=f"placed-{count}-{host}", owner_key=f"p-{count}-{host}", lesson_key="py-1", runtime="docker",
                host=host, status="starting", spec=spec(memory).model_dump(mode="json"),
            )
        )  # fmt: skip
        return host


async def test_a_host_is_listed_with_its_capacity_and_what_its_live_environments_reserve(sessions: Sessions) -> None:
    await add(sessions, "eval-a", memory=8 * GIB, count=5)
    await environment_on(sessions, "eval-a", memory=GIB)
    await environment_on(sessions, "eval-a", memory=2 * GIB, status="starting")
    await environment_on(sessions, "eval-a", memory=3 * GIB, status="stopped")

    async with sessions() as session:
        (host,) = await registry.list_hosts(session)

    assert (host.name, host.state, host.engine) == ("eval-a", "active", "podman 4.3.1")
    assert (host.reserved_memory, host.reserved_count) == (3 * GIB, 2)
    assert (host.capacity_memory, host.capacity_count) == (8 * GIB, 5)


async def test_memory_capacity_defaults_to_what_the_engine_has(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        view = await registry.add_host(
            session, "eval-a", "tcp://a:2376", Path("/c"), EngineFacts("docker 27.1", 32 * GIB, 8), capacity_count=3
        )
    assert view.capacity_memory == 32 * GIB


@pytest.mark.parametrize("name", ["Eval-A", "-a", "a_b", "a" * 64, "", "a.b"])
async def test_a_bad_host_name_is_refused_before_anything_is_stored(sessions: Sessions, name: str) -> None:
    with pytest.raises(HostError, match=r"host name .*lower-case letters"):
        await add(sessions, name)
    async with sessions() as session:
        assert await registry.list_hosts(session) == []


async def test_an_engine_without_seccomp_is_refused(sessions: Sessions) -> None:
    unconfined = EngineFacts(engine="docker 27.1", memory=64 * GIB, cpus=8, seccomp=False)
    async with sessions() as session, session.begin():
        with pytest.raises(HostError, match=r"filters no system calls .no seccomp"):
            await registry.add_host(session, "eval-a", "tcp://a:2376", Path("/c"), unconfined, capacity_count=3)
    async with sessions() as session:
        assert await registry.list_hosts(session) == []


async def test_a_second_host_of_the_same_name_is_refused_and_the_first_is_kept(sessions: Sessions) -> None:
    await add(sessions, "eval-a", memory=4 * GIB)

    with pytest.raises(HostError, match=r"'eval-a' exists"):
        await add(sessions, "eval-a", memory=8 * GIB)
    async with sessions() as session:
        assert [(h.name, h.capacity_memory) for h in await registry.list_hosts(session)] == [("eval-a", 4 * GIB)]


async def test_placement_spreads_environments_over_the_hosts(sessions: Sessions) -> None:
    await add(sessions, "eval-a", memory=8 * GIB)
    await add(sessions, "eval-b", memory=8 * GIB)

    placed = [await place_and_hold(sessions) for _ in range(6)]

    assert sorted(placed) == ["eval-a"] * 3 + ["eval-b"] * 3


async def test_placement_prefers_the_host_with_more_room(sessions: Sessions) -> None:
    await add(sessions, "eval-a", memory=4 * GIB)
    await add(sessions, "eval-b", memory=16 * GIB)
    await environment_on(sessions, "eval-b", memory=2 * GIB)

    assert await place(sessions) == "eval-b"


async def test_a_host_without_room_for_the_lessons_memory_or_one_more_environment_takes_none(
    sessions: Sessions,
) -> None:
    await add(sessions, "eval-a", memory=4 * GIB, count=10)
    await add(sessions, "eval-b", memory=64 * GIB, count=1)
    await environment_on(sessions, "eval-a", memory=3 * GIB)
    await environment_on(sessions, "eval-b", memory=GIB)

    with pytest.raises(NoRoomError, match=r"no eval host has room .* 2.0 GiB .*eval-a active, 3.0/4.0 GiB.*1/1 env"):
        await place(sessions, memory=2 * GIB)
    assert await place(sessions, memory=GIB) == "eval-a"


async def test_a_draining_host_takes_no_new_environments_until_undone(sessions: Sessions) -> None:
    await add(sessions, "eval-a", memory=64 * GIB)
    await add(sessions, "eval-b", memory=4 * GIB)
    async with sessions() as session, session.begin():
        drained = await registry.set_draining(session, "eval-a", True)
    assert drained.state == "draining"

    assert {await place_and_hold(sessions) for _ in range(3)} == {"eval-b"}

    async with sessions() as session, session.begin():
        await registry.set_draining(session, "eval-a", False)
    assert await place(sessions) == "eval-a"


async def test_a_down_host_takes_no_new_environments(sessions: Sessions) -> None:
    await add(sessions, "eval-a", memory=64 * GIB)
    await add(sessions, "eval-b", memory=4 * GIB)
    async with sessions() as session, session.begin():
        await session.execute(text("UPDATE eval_hosts SET down_since = now() WHERE name = 'eval-a'"))

    assert await place(sessions) == "eval-b"


async def test_with_no_hosts_placement_says_to_add_one(sessions: Sessions) -> None:
    with pytest.raises(NoRoomError, match=r"no eval host is registered .practica hosts add"):
        await place(sessions)


async def test_placements_at_once_never_take_more_than_a_hosts_room(sessions: Sessions) -> None:
    await add(sessions, "eval-a", memory=3 * GIB, count=100)
    await add(sessions, "eval-b", memory=2 * GIB, count=100)

    outcomes = await asyncio.gather(*(place_and_hold(sessions) for _ in range(8)), return_exceptions=True)

    placed = [outcome for outcome in outcomes if isinstance(outcome, str)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, NoRoomError)]
    assert sorted(placed) == ["eval-a"] * 3 + ["eval-b"] * 2
    assert len(refused) == 3


async def test_a_host_holding_environments_is_not_removed(sessions: Sessions) -> None:
    await add(sessions, "eval-a")
    env_id = await environment_on(sessions, "eval-a")

    async with sessions() as session, session.begin():
        with pytest.raises(HostError, match=r"still holds 1 environment.*drain it"):
            await registry.remove_host(session, "eval-a")

    async with sessions() as session, session.begin():
        await session.execute(text("UPDATE learner_environments SET status = 'stopped' WHERE id = :id"), {"id": env_id})
        await registry.remove_host(session, "eval-a")
        assert await registry.list_hosts(session) == []


async def test_an_unknown_host_is_named(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        with pytest.raises(HostError, match=r"no eval host named 'nowhere'"):
            await registry.set_draining(session, "nowhere", True)
