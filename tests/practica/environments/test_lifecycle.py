"""Environments as data: web code asks in its transaction, a real worker starts, stops, culls and removes them."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text

from practica.environments.service import request_environment, request_remove, request_stop, touch
from practica.environments.tasks import CULL_TASK
from practica.jobs.queue import defer_in_transaction, jobs
from practica.sandbox import EnvironmentNotFoundError, EnvironmentSpec, ExecRequest, Status
from tests.practica.environments.conftest import SPEC, Platform
from tests.practica.sandbox.conftest import TEST_LIMITS

pytestmark = pytest.mark.sandbox


async def test_start_stop_and_resume_keep_the_files(platform: Platform) -> None:
    env_id = await platform.request()
    assert (await platform.row(env_id)).status == "starting"
    await platform.run_jobs()
    row = await platform.row(env_id)
    assert (row.status, row.runtime, row.host, row.error) == ("running", "bwrap", "test-host", None)
    assert row.started_at is not None
    assert (await platform.runtime.get(env_id)).status is Status.RUNNING
    await platform.runtime.exec(env_id, ExecRequest(argv=["sh", "-c", "echo kept > notes.txt"]))

    async with platform.sessions() as session, session.begin():
        assert await request_stop(session, env_id)
    await platform.run_jobs()
    assert (await platform.row(env_id)).status == "stopped"
    assert (await platform.runtime.get(env_id)).status is Status.STOPPED

    assert await platform.request() == env_id  # the same environment, resumed
    await platform.run_jobs()
    assert (await platform.row(env_id)).status == "running"
    assert await platform.runtime.read_file(env_id, "notes.txt") == b"kept\n"


async def test_a_rolled_back_request_starts_nothing(platform: Platform) -> None:
    async with platform.sessions() as session, session.begin():
        await request_environment(session, "7", "py-1", SPEC, settings=platform.settings)
        await session.rollback()
    async with platform.sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM learner_environments")) == 0
        assert await session.scalar(text("SELECT count(*) FROM procrastinate_jobs")) == 0


async def test_concurrent_requests_share_one_environment(platform: Platform) -> None:
    ids = await asyncio.gather(*(platform.request(owner="8") for _ in range(4)))
    assert len(set(ids)) == 1
    async with platform.sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM procrastinate_jobs")) == 1


async def test_cull_stops_idle_environments_and_those_past_the_lifetime_cap(platform: Platform) -> None:
    idle, old, busy = [await platform.request(lesson=lesson) for lesson in ("idle", "old", "busy")]
    await platform.run_jobs()
    await platform.sql(
        "UPDATE learner_environments SET last_active_at = now() - interval '16 minutes' WHERE id = :i", i=idle
    )
    await platform.sql("UPDATE learner_environments SET started_at = now() - interval '9 hours' WHERE id = :i", i=old)
    async with platform.sessions() as session, session.begin():
        assert await touch(session, busy)
        await defer_in_transaction(session, jobs.tasks[CULL_TASK], timestamp=0)
    await platform.run_jobs()  # the cull, then the stop jobs it queued
    assert [(await platform.row(i)).status for i in (idle, old, busy)] == ["stopped", "stopped", "running"]
    assert [(await platform.runtime.get(i)).status for i in (idle, old, busy)] == ["stopped", "stopped", "running"]


async def test_cull_notices_environments_that_ended_with_their_worker(platform: Platform) -> None:
    env_id = await platform.request()
    await platform.run_jobs()
    await platform.runtime.stop(env_id)  # as if the worker that started it had been restarted
    async with platform.sessions() as session, session.begin():
        await defer_in_transaction(session, jobs.tasks[CULL_TASK], timestamp=0)
    await platform.run_jobs()
    assert (await platform.row(env_id)).status == "stopped"
    assert await platform.request() == env_id
    await platform.run_jobs()
    assert (await platform.runtime.get(env_id)).status is Status.RUNNING


async def test_remove_deletes_the_environment(platform: Platform) -> None:
    env_id = await platform.request()
    await platform.run_jobs()
    async with platform.sessions() as session, session.begin():
        assert await request_remove(session, env_id)
        assert not await request_remove(session, env_id)
    await platform.run_jobs()
    assert (await platform.row(env_id)).status == "removed"
    with pytest.raises(EnvironmentNotFoundError):
        await platform.runtime.get(env_id)
    assert await platform.request() != env_id  # a new one for the same lesson


async def test_a_failed_start_says_why_and_a_new_request_tries_again(platform: Platform) -> None:
    env_id = await platform.request(spec=EnvironmentSpec(environment="never-built", limits=TEST_LIMITS))
    await platform.run_jobs()
    row = await platform.row(env_id)
    assert row.status == "failed"
    assert row.error
    assert "never-built" in row.error
    assert await platform.request() == env_id  # with the lesson's spec fixed
    assert (await platform.row(env_id)).status == "starting"
    await platform.run_jobs()
    assert ((await platform.row(env_id)).status, (await platform.row(env_id)).error) == ("running", None)
