"""An app's memory of the newest course versions (its :class:`CatalogueCache`)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Executable
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from practica.accounts.memberships import RecentMemberships
from practica.accounts.service import create_user
from practica.ids import CourseId, LessonSlug
from practica.learning import queries
from practica.learning.schemas import LessonLink
from practica.lessons.loading import load
from practica.lessons.publishing import publish
from practica.lessons.queries import CatalogueCache
from servicekit.reads import PoolReads
from tests.practica.lessons.factories import write_course


class CountingReads:
    """Real reads on the database, counting the statements and holding each one a little (a slow query)."""

    def __init__(self, reads: PoolReads) -> None:
        self.reads, self.statements = reads, 0

    async def rows(self, statement: Executable, params: Mapping[str, Any] | None = None) -> Sequence[Sequence[Any]]:
        self.statements += 1
        await asyncio.sleep(0.05)
        return await self.reads.rows(statement, params)

    async def mappings(
        self, statement: Executable, params: Mapping[str, Any] | None = None
    ) -> Sequence[Mapping[str, Any]]:
        self.statements += 1
        return await self.reads.mappings(statement, params)


async def _publish(database_url: str, course: Path) -> None:
    engine = create_async_engine(database_url)
    async with async_sessionmaker(engine)() as session, session.begin():
        await publish(session, load(course), str(course), performer=None)
    await engine.dispose()


async def test_a_due_refresh_is_one_query_while_the_others_keep_the_last_answer(
    practica_db_url: str, tmp_path: Path
) -> None:
    await _publish(practica_db_url, write_course(tmp_path / "python-basics", ["add"]))
    pool = PoolReads(practica_db_url, max_size=4, application_name="test-catalog")
    reads, cache = CountingReads(pool), CatalogueCache()
    try:
        first = await queries.newest_versions(cache, reads)
        assert [version.course_id for version in first] == ["python-basics"]
        cache.newest[None] = (0.0, *cache.newest[None][1:])  # the answer is now due for a refresh

        answers = await asyncio.gather(*(queries.newest_versions(cache, reads) for _ in range(20)))

        assert reads.statements == 2  # the first read, then one refresh for 20 requests
        assert all(answer == first for answer in answers)
    finally:
        await pool.close()


async def test_a_version_noted_as_published_by_this_app_shows_at_once(practica_db_url: str, tmp_path: Path) -> None:
    pool, cache = PoolReads(practica_db_url, max_size=2, application_name="test-catalog"), CatalogueCache()
    try:
        assert await queries.newest_versions(cache, pool) == []
        await _publish(practica_db_url, write_course(tmp_path / "python-basics", ["add"]))
        cache.note_published()  # as the app that published it does
        assert [version.number for version in await queries.newest_versions(cache, pool)] == [1]
    finally:
        await pool.close()


async def test_the_lesson_page_names_the_next_lesson_and_none_after_the_last(
    practica_db_url: str, tmp_path: Path
) -> None:
    course = write_course(tmp_path / "steps", ["first", "second", "third"])
    for slug, title in [("first", "First steps"), ("second", "Second steps"), ("third", "Third steps")]:
        lesson = course / slug / "lesson.yaml"
        lesson.write_text(lesson.read_text().replace("title: Add two numbers", f"title: {title}"))
    await _publish(practica_db_url, course)
    engine = create_async_engine(practica_db_url)
    async with async_sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
        user = await create_user(session, "ada@example.org", "a long password", "Ada")
    await engine.dispose()
    pool, cache = PoolReads(practica_db_url, max_size=2, application_name="test-catalog"), CatalogueCache()
    try:
        pages = {
            slug: await queries.lesson_page(cache, RecentMemberships(), pool, user, CourseId("steps"), slug)
            for slug in (LessonSlug("first"), LessonSlug("second"), LessonSlug("third"))
        }
    finally:
        await pool.close()
    assert pages["first"].next_lesson == LessonLink(slug="second", title="Second steps")
    assert pages["second"].next_lesson == LessonLink(slug="third", title="Third steps")
    assert pages["third"].next_lesson is None
