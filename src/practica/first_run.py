"""What ``practica up`` does on a new install so that it is usable at once.

An empty catalogue and no admin look like a broken platform, with nothing saying
why: the sample courses are published (unless ``PRACTICA_SAMPLE_COURSES`` is off)
and, while no admin exists, a one-time setup link is issued for the first admin.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import structlog

from practica.accounts.setup import issue_setup_token
from practica.lessons.samples import SampleCourses, course_directories, publish_sample_courses
from practica.settings import PracticaSettings
from servicekit.database import make_engine, make_sessionmaker

log = structlog.get_logger(__name__)


@dataclass
class FirstRun:
    """What this start-up did: the sample courses it published or skipped, the setup token (None: an admin exists)."""

    samples: SampleCourses = field(default_factory=SampleCourses)
    setup_token: str | None = None


def prepare(settings: PracticaSettings, database_url: str) -> FirstRun:
    return asyncio.run(_prepare(settings, database_url))


async def _prepare(settings: PracticaSettings, database_url: str) -> FirstRun:
    engine = make_engine(database_url, pool_size=1)
    sessions = make_sessionmaker(engine)
    try:
        result = FirstRun()
        if settings.practica_sample_courses:
            result.samples = await publish_sample_courses(sessions, course_directories())
        async with sessions() as session, session.begin():
            result.setup_token = await issue_setup_token(session)
        return result
    finally:
        await engine.dispose()


def setup_message(settings: PracticaSettings, token: str) -> str:
    """The lines ``practica up`` prints while no admin exists.

    The link is on ``PRACTICA_PUBLIC_URL`` when it is set (behind a proxy, the address browsers use),
    otherwise on the address ``practica up`` serves, whose port its default does not follow.
    """
    base = f"http://{settings.practica_host}:{settings.practica_port}"
    if "practica_public_url" in settings.model_fields_set:
        base = settings.practica_public_url.rstrip("/")
    link = f"{base}/setup/{token}"
    return (
        "  No admin yet. Sign up, confirm your email, sign in, then open this one-time link to become admin\n"
        f"  (valid 24 h, once; a new one is printed at each start until an admin exists):\n"
        f"    {link}\n"
        "  Or from a shell: practica user set-role EMAIL admin\n"
    )
