"""The business figures per day, from real sign-ups, real checks and the environment runs' trigger."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from practica.lessons.files import FileData
from practica.monitoring.business import daily_figures, lesson_figures
from practica.sandbox import Runtime
from tests.practica.accounts.factories import UserFactory
from tests.practica.checks.checking import published_checks
from tests.practica.lessons.factories import write_course

RIGHT = {"solution.py": FileData(b"def add(a, b):\n    return a + b\n")}
WRONG = {"solution.py": FileData(b"def add(a, b):\n    return a - b\n")}


async def test_a_days_sign_ups_learners_checks_completions_and_hours(
    practica_db_url: str, bwrap_runtime: Runtime, checks_home: Path, tmp_path: Path
) -> None:
    course = write_course(tmp_path / "basics", ["add"])
    async with published_checks(practica_db_url, bwrap_runtime, checks_home, tmp_path, course) as checks:
        async with checks.sessions() as session, session.begin():
            session.add(UserFactory())
        await checks.request(files=RIGHT, user="7")  # completes the one-lesson course
        await checks.request(files=WRONG, user="8")
        await checks.request(files=RIGHT, user="preview:9")  # an author's preview: nobody's activity
        await checks.run_jobs()
        async with checks.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO learner_environments (id, owner_key, lesson_key, runtime, host, status, spec, "
                    "started_at) VALUES ('env-1', '10', 'basics/add', 'bwrap', 'local', 'running', '{}', "
                    "now() - interval '1 minute')"
                )
            )
        async with checks.engine.connect() as conn:
            days = await daily_figures(conn, 7)
            lessons = await lesson_figures(conn, 7)

    assert len(days) == 7
    assert [day.day for day in days] == sorted(day.day for day in days)
    today = days[-1]
    assert (today.signups, today.active_learners) == (1, 3)  # learners 7 and 8 checked, 10 has an environment
    assert (today.checks_passed, today.checks_failed, today.course_completions) == (1, 1, 1)
    assert 0 < today.environment_hours < 1
    assert all(
        (day.signups, day.active_learners, day.checks_passed, day.checks_failed, day.environment_hours)
        == (0, 0, 0, 0, 0)
        for day in days[:-1]
    )
    assert [(row.course_id, row.lesson_slug, row.checks, row.passed) for row in lessons] == [("basics", "add", 2, 1)]
