"""Warm pools on a real bubblewrap runtime: taken by opens, refilled, sized by demand, never shared."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from practica.environments.models import PooledSandbox
from practica.environments.pool import Refilled, refill
from practica.environments.service import request_environment, request_remove
from practica.sandbox import EnvironmentNotFoundError, ExecRequest, Status
from practica.sandbox.settings import SandboxSettings
from tests.practica.environments.conftest import SPEC, Platform

pytestmark = pytest.mark.sandbox


def pooled(platform: Platform, size: int) -> SandboxSettings:
    return platform.settings.model_copy(update={"pool_max": size})


async def pool_ids(platform: Platform) -> list[str]:
    async with platform.sessions() as session:
        return list(await session.scalars(select(PooledSandbox.id).order_by(PooledSandbox.created_at)))


async def open_lesson(platform: Platform, settings: SandboxSettings, owner: str, lesson: str = "py-1") -> str:
    async with platform.sessions() as session, session.begin():
        return (await request_environment(session, owner, lesson, SPEC, settings=settings)).id


async def refilled(platform: Platform, settings: SandboxSettings) -> Refilled:
    return await refill(platform.sessions, platform.runtime, settings)


async def test_an_open_takes_a_running_pooled_sandbox_and_the_pool_refills(platform: Platform) -> None:
    settings = pooled(platform, 4)
    await open_lesson(platform, settings, owner="1")  # demand: one environment of this spec
    assert (await refilled(platform, settings)).made.total() == 1
    [ready] = await pool_ids(platform)
    assert (await platform.runtime.get(ready)).status is Status.RUNNING

    env_id = await open_lesson(platform, settings, owner="2")
    assert env_id == ready
    assert await pool_ids(platform) == []
    await platform.run_jobs()  # the start job finds it running
    assert (await platform.row(env_id)).status == "running"

    assert (await refilled(platform, settings)).made.total() == 2  # demand is two now
    assert len(await pool_ids(platform)) == 2


async def test_a_pool_follows_demand_up_to_its_bound_and_zero_empties_it(platform: Platform) -> None:
    for owner in ("1", "2", "3"):
        await open_lesson(platform, pooled(platform, 2), owner)
    await refilled(platform, pooled(platform, 2))
    made = await pool_ids(platform)
    assert len(made) == 2

    assert (await refilled(platform, pooled(platform, 0))).removed.total() == 2
    assert await pool_ids(platform) == []
    for env_id in made:
        with pytest.raises(EnvironmentNotFoundError):
            await platform.runtime.get(env_id)


async def test_no_pool_without_recent_demand(platform: Platform) -> None:
    assert (await refilled(platform, pooled(platform, 4))).made.total() == 0
    assert await pool_ids(platform) == []


async def test_concurrent_opens_never_get_the_same_pooled_sandbox(platform: Platform) -> None:
    settings = pooled(platform, 1)
    await open_lesson(platform, settings, owner="0")
    await refilled(platform, settings)
    [ready] = await pool_ids(platform)
    ids = await asyncio.gather(*(open_lesson(platform, settings, owner=str(n)) for n in range(1, 6)))
    assert len(set(ids)) == 5
    assert ids.count(ready) == 1


async def test_a_pooled_sandbox_never_holds_another_learners_files(platform: Platform) -> None:
    settings = pooled(platform, 1)
    await open_lesson(platform, settings, owner="0")
    await refilled(platform, settings)
    first = await open_lesson(platform, settings, owner="1")
    await platform.run_jobs()
    await platform.runtime.exec(first, ExecRequest(argv=["sh", "-c", "echo mine > secret.txt"]))
    async with platform.sessions() as session, session.begin():
        await request_remove(session, first)  # gone: its sandbox is never pooled again
    await platform.run_jobs()

    await refilled(platform, settings)
    second = await open_lesson(platform, settings, owner="2")
    assert second != first
    assert second not in await pool_ids(platform)
    await platform.run_jobs()
    assert await platform.runtime.list_files(second, ".") == []


async def test_a_pooled_sandbox_that_stopped_is_dropped_and_replaced(platform: Platform) -> None:
    settings = pooled(platform, 1)
    await open_lesson(platform, settings, owner="0")
    await refilled(platform, settings)
    [dead] = await pool_ids(platform)
    await platform.runtime.stop(dead)  # as a worker's restart ends bubblewrap's sandboxes
    done = await refilled(platform, settings)
    assert done.dropped == [dead]
    [fresh] = await pool_ids(platform)
    assert fresh != dead
    assert (await platform.runtime.get(fresh)).status is Status.RUNNING
