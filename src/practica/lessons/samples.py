"""The repository's sample courses, published by ``practica up`` on a new install.

A new install with an empty catalogue looks broken; with the samples a first
visitor finds courses at once. Only a catalogue with no course at all gets them,
so an operator who removed or replaced them never sees them come back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
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


@dataclass
class SampleCourses:
    """What one start-up did: the course ids published, and the directories skipped with why."""

    published: list[str] = field(default_factory=list)
    skipped: dict[Path, str] = field(default_factory=dict)


async def publish_sample_courses(sessions: async_sessionmaker[AsyncSession], directories: list[Path]) -> SampleCourses:
    """Publish each course of ``directories`` when no course exists.

    Each course is its own transaction: one that fails to load or publish is
    logged and skipped, and the others are still published.
    """
    result = SampleCourses()
    async with sessions() as session:
        if await session.scalar(select(select(Course.id).exists())):
            return result
    for directory in directories:
        try:
            result.published.append(await _publish_one(sessions, directory))
        except LessonFormatError as error:
            result.skipped[directory] = "; ".join(str(problem) for problem in error.problems)
        except (ImportSourceError, OSError) as error:
            result.skipped[directory] = str(error)
        else:
            continue
        log.warning("sample course not published", directory=str(directory), reason=result.skipped[directory])
    return result


async def _publish_one(sessions: async_sessionmaker[AsyncSession], directory: Path) -> str:
    loaded = load(directory)
    async with sessions() as session, session.begin():
        publication = await publish(session, loaded, str(directory), performer=None)
    log.info("sample course published", course=publication.course_id, version=publication.version)
    return publication.course_id
