"""Fixtures: a database and a real worker running the environments' lifecycle jobs on bubblewrap."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from practica.environments.models import LearnerEnvironment
from practica.environments.service import request_environment
from practica.jobs.queue import connected, jobs
from practica.jobs.resources import SandboxWorker, WorkerResources, worker_resources_for
from practica.sandbox import EnvironmentSpec, Runtime
from practica.sandbox.settings import SandboxSettings
from practica.settings import PracticaSettings
from tests.practica.sandbox.conftest import TEST_LIMITS

SPEC = EnvironmentSpec(limits=TEST_LIMITS)


@dataclass
class Platform:
    """A fresh database, its sessions, and a way to run the sandbox queue with a real worker."""

    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    resources: WorkerResources
    runtime: Runtime

    async def run_jobs(self) -> None:
        async with connected(jobs, self.url):
            await jobs.run_worker_async(
                wait=False,
                queues=["sandbox"],
                install_signal_handlers=False,
                additional_context=self.resources.context(),
            )

    async def row(self, env_id: str) -> LearnerEnvironment:
        async with self.sessions() as session:
            found = await session.get(LearnerEnvironment, env_id)
            assert found is not None
            return found

    @property
    def settings(self) -> SandboxSettings:
        return self.resources.sandbox.settings

    async def request(self, owner: str = "7", lesson: str = "py-1", spec: EnvironmentSpec = SPEC) -> str:
        async with self.sessions() as session, session.begin():
            row = await request_environment(session, owner, lesson, spec, settings=self.settings)
            return row.id

    async def sql(self, statement: str, **params: object) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(text(statement), params)


@pytest.fixture
async def platform(
    practica_db_url: str, bwrap: Runtime, bwrap_settings: SandboxSettings, tmp_path: Path
) -> AsyncIterator[Platform]:
    engine = create_async_engine(practica_db_url)
    settings = PracticaSettings(database_url=practica_db_url, practica_home=tmp_path)
    unpooled = bwrap_settings.model_copy(update={"pool_max": 0})  # the pool's own tests turn it on
    resources = worker_resources_for(settings, engine, SandboxWorker(unpooled, bwrap))
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    yield Platform(practica_db_url, engine, sessions, resources, bwrap)
    await engine.dispose()
