"""Names for the ids of activity entries, looked up for a whole page at once on the real database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Executable, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from practica.accounts.service import create_user
from practica.checks.models import CheckAttempt
from practica.events.outbox import gid
from practica.learning.names import names_of
from practica.lessons.loading import load
from practica.lessons.models import CourseLesson
from practica.lessons.publishing import publish
from servicekit.reads import PoolReads
from tests.practica.lessons.factories import write_course


class CountingReads:
    def __init__(self, reads: PoolReads) -> None:
        self.reads, self.statements = reads, 0
        self.lasting = True

    async def rows(self, statement: Executable, params: Mapping[str, Any] | None = None) -> Sequence[Sequence[Any]]:
        self.statements += 1
        return await self.reads.rows(statement, params)

    async def mappings(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> Sequence[Mapping[str, Any]]:
        self.statements += 1
        return await self.reads.mappings(statement, params)


async def _world(database_url: str, tmp_path: Path, learners: int) -> list[int]:
    """A published course ``python-basics`` (lesson ``add``), ``learners`` users, and a check of each; their ids."""
    engine = create_async_engine(database_url)
    async with async_sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
        await publish(session, load(write_course(tmp_path / "python-basics", ["add"])), "src", performer=None)
        lesson = await session.scalar(select(CourseLesson).where(CourseLesson.slug == "add"))
        assert lesson is not None
        ids = []
        for number in range(learners):
            user = await create_user(session, f"l{number}@example.org", "a long password", f"Learner {number}")
            attempt = CheckAttempt(
                user_key=str(user.id), course_id="python-basics", lesson_slug="add", lesson_id=lesson.id,
                status="passed", detail="", results=[],
            )  # fmt: skip
            session.add(attempt)
            await session.flush()
            ids += [user.id, attempt.id]
    await engine.dispose()
    return ids


async def test_a_page_names_users_courses_lessons_and_checks_in_one_query_of_each(
    practica_db_url: str, tmp_path: Path
) -> None:
    ids = await _world(practica_db_url, tmp_path, learners=30)
    users, checks = ids[0::2], ids[1::2]
    wanted = [gid("User", user) for user in users] + [gid("Check", check) for check in checks]
    wanted += [gid("Course", "python-basics"), gid("Lesson", "python-basics:add")]
    pool = PoolReads(practica_db_url, max_size=2, application_name="test-names")
    reads = CountingReads(pool)
    try:
        names = await names_of(reads, wanted)
    finally:
        await pool.close()
    assert reads.statements == 4  # users, courses, lessons, checks: not one per entry
    assert [names[gid("User", user)] for user in users] == [f"Learner {number}" for number in range(30)]
    assert {names[gid("Check", check)] for check in checks} == {"Add two numbers"}
    assert names[gid("Course", "python-basics")] == "Python basics"
    assert names[gid("Lesson", "python-basics:add")] == "Add two numbers"


async def test_unknown_and_foreign_ids_get_no_name(practica_db_url: str, tmp_path: Path) -> None:
    await _world(practica_db_url, tmp_path, learners=1)
    pool = PoolReads(practica_db_url, max_size=2, application_name="test-names")
    reads = CountingReads(pool)
    unknown = [
        gid("User", 999), gid("Check", 999), gid("Course", "gone"), gid("Lesson", "python-basics:gone"),
        "gid://elsewhere/User/1", gid("User", "not-a-number"), gid("User", "1/2"), "not a gid", None,
    ]  # fmt: skip
    try:
        assert await names_of(reads, unknown) == {}
        assert await names_of(reads, ["gid://elsewhere/User/1", None]) == {}
    finally:
        await pool.close()
    assert reads.statements == 4  # nothing Practica's in the second page: no query
