"""The repository's sample courses, published by ``practica up`` on a new install.

A new install with an empty catalogue looks broken; with the samples a first
visitor finds courses at once. Only a catalogue with no course at all gets them,
so an operator who removed or replaced them never sees them come back.
"""

from __future__ import annotations

from pathlib import Path

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from practica.lessons.errors import ImportSourceError
from practica.lessons.loading import LessonFormatError, load
from practica.lessons.models import Course
from practica.lessons.publishing import publish

log = structlog.get_logger(__name__)
SAMPLE_COURSES = Path(__file__).resolve().parents[3] / "courses"


def course_directories(directory: Path = SAMPLE_COURSES) -> list[Path]:
    """The course directories (those with a ``course.yaml``) right under ``directory``, by name."""
    return sorted(path.parent for path in directory.glob("*/course.yaml"))


async def publish_sample_courses(sessions: async_sessionmaker[AsyncSession], directories: list[Path]) -> list[str]:
    """Publish each course of ``directories`` when no course exists; the ids published.

    Each course is its own transaction: one that fails to load or publish is
    logged and skipped, and the others are still published.
    """
    async with sessions() as session:
        if await session.scalar(select(select(Course.id).exists())):
            return []
    published: list[str] = []
    for course_directory in directories:
        if (course_id := await _publish_one(sessions, course_directory)) is not None:
            published.append(course_id)
    return published


async def _publish_one(sessions: async_sessionmaker[AsyncSession], directory: Path) -> str | None:
    try:
        loaded = load(directory)
        async with sessions() as session, session.begin():
            publication = await publish(session, loaded, str(directory), performer=None)
    except LessonFormatError as error:
        log.warning("sample course not published", directory=str(directory), problems=[str(p) for p in error.problems])
        return None
    except (ImportSourceError, OSError) as error:
        log.warning("sample course not published", directory=str(directory), error=str(error))
        return None
    log.info("sample course published", course=publication.course_id, version=publication.version)
    return publication.course_id
