"""Rows as older (and newer) versions wrote them read back as the models: defaults apply, unknown fields pass.

A lesson's definition and a check's results are JSONB; readers get :class:`~practica.lessons.format.Lesson` and
:class:`~practica.checks.results.CaseResult` whichever way they read (the ORM, or the raw reads of the hot paths).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from practica.checks.models import CheckAttempt
from practica.checks.queries import lesson_state
from practica.checks.results import CaseResult, CaseStatus
from practica.checks.runner import environment_spec
from practica.learning import queries
from practica.learning.workspaces import learner_spec
from practica.lessons.format import LessonNetwork
from practica.lessons.loading import load
from practica.lessons.models import CourseLesson
from practica.lessons.publishing import publish
from practica.lessons.queries import CatalogueCache
from servicekit.reads import PoolReads
from tests.practica.lessons.factories import write_course

# What lesson rows held before limits, network, hints, run, wrong solutions and results formats existed.
OLDEST_DEFINITION = {
    "id": "add",
    "title": "Add two numbers",
    "task": "Write `add(a, b)`.",
    "check": {"command": ["python3", "-m", "pytest", "-q", "--junitxml=report.xml"]},
}
# Check results before a test's output and duration were kept, with a field of a later version.
OLDEST_RESULTS = [{"name": "test_add", "status": "fail", "message": "assert -1 == 5", "seen_by": "a later version"}]


@pytest.fixture
async def sessions(practica_db_url: str, tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(practica_db_url)
    made = async_sessionmaker(engine, expire_on_commit=False)
    course = write_course(tmp_path / "basics", ["add"])
    async with made() as session, session.begin():
        await publish(session, load(course), str(course), performer=None)
    yield made
    await engine.dispose()


@pytest.fixture
async def pool(practica_db_url: str) -> AsyncIterator[PoolReads]:
    reads = PoolReads(practica_db_url, max_size=2, application_name="test-stored-rows")
    yield reads
    await reads.close()


async def _store_raw(session: AsyncSession, table: str, column: str, value: object) -> None:
    await session.execute(text(f"UPDATE {table} SET {column} = CAST(:value AS jsonb)"), {"value": json.dumps(value)})  # noqa: S608


async def test_an_oldest_lesson_row_reads_back_with_the_formats_defaults(
    sessions: async_sessionmaker[AsyncSession], pool: PoolReads
) -> None:
    async with sessions() as session, session.begin():
        await _store_raw(session, "course_lessons", "definition", {**OLDEST_DEFINITION, "grader": "a later field"})
    async with sessions() as session:
        lesson = await session.scalar(select(CourseLesson.definition))
    assert lesson is not None
    assert (lesson.network, lesson.limits.memory_mb, lesson.limits.time_s) == (LessonNetwork.NONE, 256, 10)
    assert (lesson.hints, lesson.run, lesson.check.results.format.value) == ([], None, "junit")
    assert learner_spec(lesson).limits.memory == 256 * 1024 * 1024
    assert environment_spec(lesson).limits.wall_timeout == 10

    _version, page = await queries.lesson_page_of(CatalogueCache(), pool, None, set(), "basics", "add")
    assert page.definition == lesson  # the raw reads of the lesson page: the same model


async def test_oldest_check_results_read_back_typed_and_new_ones_are_stored_as_before(
    sessions: async_sessionmaker[AsyncSession], pool: PoolReads
) -> None:
    async with sessions() as session, session.begin():
        lesson_id = await session.scalar(text("SELECT id FROM course_lessons"))
        attempt = CheckAttempt(user_key="7", course_id="basics", lesson_slug="add", lesson_id=lesson_id,
                               status="failed", verdict="failed", detail="", results=[])  # fmt: skip
        session.add(attempt)
        await session.flush()
        await _store_raw(session, "check_attempts", "results", OLDEST_RESULTS)
    expected = [CaseResult("test_add", CaseStatus.FAIL, "assert -1 == 5")]
    async with sessions() as session:
        stored = await session.get(CheckAttempt, attempt.id)
    assert stored is not None
    assert stored.results == expected
    state = await lesson_state(pool, "7", "basics", "add")
    assert state.latest is not None
    assert state.latest.results == expected

    async with sessions() as session, session.begin():
        written = CaseResult("test_add", CaseStatus.PASS, "", "ok", 0.25)
        await session.execute(update(CheckAttempt).values(results=[written]))
        raw = await session.scalar(text("SELECT results::text FROM check_attempts"))
    assert json.loads(raw) == [
        {"name": "test_add", "status": "pass", "message": "", "output": "ok", "duration_s": 0.25}
    ]
