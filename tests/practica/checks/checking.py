"""A published lesson, a database and a real bubblewrap runtime for the check jobs' tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from practica.checks.models import CheckAttempt
from practica.checks.service import LearnerLesson, request_check
from practica.ids import CourseId, OwnerKey
from practica.jobs.queue import connected, jobs
from practica.jobs.resources import SandboxWorker, WorkerResources, worker_resources_for
from practica.lessons.loading import load
from practica.lessons.models import CourseLesson
from practica.lessons.publishing import publish
from practica.sandbox import Runtime
from practica.sandbox.settings import SandboxSettings
from practica.settings import PracticaSettings


@dataclass
class Checks:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    resources: WorkerResources
    runtime: Runtime
    lesson: CourseLesson

    def target(self, user: str = "7") -> LearnerLesson:
        return LearnerLesson(OwnerKey(user), CourseId("basics"), self.lesson)

    async def request(self, *, cooldown_s: float = 0, user: str = "7", **source: Any) -> int:
        async with self.sessions() as session, session.begin():
            attempt = await request_check(session, self.target(user), cooldown_s=cooldown_s, **source)
            return attempt.id

    async def run_jobs(self) -> None:
        async with connected(jobs, self.url):
            await jobs.run_worker_async(
                wait=False,
                queues=["checks"],
                install_signal_handlers=False,
                additional_context=self.resources.context(),
            )

    async def attempt(self, attempt_id: int) -> CheckAttempt:
        async with self.sessions() as session:
            found = await session.get(CheckAttempt, attempt_id)
            assert found is not None
            return found

    async def events(self) -> list[tuple[str, Any]]:
        async with self.sessions() as session:
            rows = await session.execute(
                text(
                    "SELECT message->>'action', message->'payload' FROM outbox_events"
                    " WHERE message->>'action' <> 'course.published' ORDER BY id"
                )
            )
            return [(action, payload) for action, payload in rows]


@asynccontextmanager
async def published_checks(
    database_url: str, runtime: Runtime, sandbox_home: Path, home: Path, course: Path
) -> AsyncIterator[Checks]:
    """The course published (its first lesson is checked) and a worker context to run check jobs with."""
    engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session, session.begin():
        await publish(session, load(course), str(course), performer=None)
        lesson = await session.scalar(select(CourseLesson).order_by(CourseLesson.position).limit(1))
    assert lesson is not None
    settings = PracticaSettings(database_url=database_url, practica_home=home)
    sandbox = SandboxWorker(SandboxSettings(home=sandbox_home), runtime)
    resources = worker_resources_for(settings, engine, sandbox)
    try:
        yield Checks(database_url, engine, sessions, resources, runtime, lesson)
    finally:
        await engine.dispose()


def rewrite_lesson(path: Path, **values: Any) -> None:
    lesson = yaml.safe_load(path.read_text())
    lesson.update(values)
    path.write_text(yaml.safe_dump(lesson, sort_keys=False))
