"""Check jobs end to end: a request stores an attempt, a real worker runs it in bubblewrap, results are kept."""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from practica.checks.errors import CheckCooldownError
from practica.checks.models import LessonCompletion
from practica.checks.queries import disclosed_hints, failed_checks
from practica.checks.results import CaseStatus
from practica.checks.service import request_check
from practica.checks.tasks import snapshot_hash
from practica.lessons.files import FileData
from practica.sandbox import EnvironmentSpec, ResourceLimits, Runtime
from tests.practica.checks.checking import Checks, published_checks, rewrite_lesson
from tests.practica.lessons.factories import write_course

pytestmark = pytest.mark.sandbox

CHECK = {
    "command": ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=report.xml", "tests"],
    "tests_into": "tests",
}
HINTS = [{"text": "Use the + operator.", "after_failed_checks": 1}, {"text": "return a + b", "after_failed_checks": 3}]
RIGHT = {"solution.py": FileData(b"def add(a, b):\n    return a + b\n")}
WRONG = {"solution.py": FileData(b"def add(a, b):\n    return a - b\n")}
ENTRY_SCHEMA = json.loads((Path(__file__).resolve().parents[3] / "schemas/chronicles/entry.v1.json").read_text())


async def assert_chronicles_accepts_every_event(checks: Checks) -> None:
    """Subjects and performers follow the entry contract Chronicles publishes (else it dead-letters them)."""
    pattern = re.compile(ENTRY_SCHEMA["properties"]["subject"]["pattern"])
    async with checks.sessions() as session:
        messages = (await session.execute(text("SELECT message FROM outbox_events"))).scalars().all()
    for message in messages:
        assert pattern.match(message["subject"]), message["subject"]
        assert "performer" not in message or pattern.match(message["performer"]), message["performer"]


@pytest.fixture
async def checks(
    practica_db_url: str, bwrap_runtime: Runtime, checks_home: Path, tmp_path: Path
) -> AsyncIterator[Checks]:
    course = write_course(tmp_path / "basics", ["add"])
    rewrite_lesson(course / "add" / "lesson.yaml", check=CHECK, hints=HINTS)
    async with published_checks(practica_db_url, bwrap_runtime, checks_home, tmp_path, course) as made:
        yield made


async def test_a_failed_then_passed_check_completes_the_lesson_once(checks: Checks) -> None:
    failing = await checks.request(files=WRONG)
    assert (await checks.attempt(failing)).status == "queued"
    await checks.run_jobs()
    attempt = await checks.attempt(failing)
    assert (attempt.status, attempt.verdict) == ("failed", "failed")
    assert [(case.name.split("::")[-1], case.status) for case in attempt.results] == [("test_add", CaseStatus.FAIL)]
    assert "-1 == 5" in attempt.results[0].message + attempt.results[0].output
    assert attempt.files_hash == snapshot_hash(WRONG)
    assert attempt.queued_at <= attempt.started_at <= attempt.finished_at  # type: ignore[operator]

    passing = await checks.request(files=RIGHT)
    await checks.run_jobs()
    assert (await checks.attempt(passing)).status == "passed"
    again = await checks.request(files=RIGHT)
    await checks.run_jobs()
    assert (await checks.attempt(again)).status == "passed"

    async with checks.sessions() as session:
        completion = await session.get(LessonCompletion, ("7", "basics", "add"))
    assert completion is not None
    assert completion.attempt_id == passing
    actions = [action for action, _ in await checks.events()]
    assert actions == [
        *["check.requested", "check.failed"],
        *["check.requested", "check.passed", "lesson.completed"],
        *["check.requested", "check.passed"],
    ]
    await assert_chronicles_accepts_every_event(checks)
    failed_payload = (await checks.events())[1][1]
    assert failed_payload["lesson"] == {"id": "basics/add", "slug": "add", "title": "Add two numbers"}
    assert "org" not in failed_payload
    assert failed_payload["tests"]["passed"] == 0
    assert failed_payload["tests"]["failing"][0].endswith("test_add")


async def test_hints_are_disclosed_by_the_number_of_failed_checks(checks: Checks) -> None:
    definition = checks.lesson.definition
    assert disclosed_hints(definition, 0) == ([], 2)
    for _ in range(3):
        await checks.request(files=WRONG)
        await checks.run_jobs()
    async with checks.sessions() as session:
        failed = await failed_checks(session, checks.target())
    assert failed == 3
    assert disclosed_hints(definition, failed) == (["Use the + operator.", "return a + b"], 0)
    assert disclosed_hints(definition, 1) == (["Use the + operator."], 1)


async def test_the_cooldown_refuses_a_check_too_soon_and_an_unfinished_check_is_reused(checks: Checks) -> None:
    asked = time.monotonic()
    first = await checks.request(files=WRONG, cooldown_s=60)
    assert await checks.request(files=RIGHT, cooldown_s=60) == first  # still queued: the same attempt
    await checks.run_jobs()
    with pytest.raises(CheckCooldownError) as refused:
        await checks.request(files=RIGHT, cooldown_s=60)
    since_first = time.monotonic() - asked  # the cooldown runs from the first request: a busy host took longer
    assert 60 - since_first - 1 < refused.value.retry_after <= 60
    assert f"wait {math.ceil(refused.value.retry_after)} s" in str(refused.value)  # 60, or 59 on a busy host
    assert await checks.request(files=RIGHT, cooldown_s=60, user="8") != first  # another learner is not held back


async def test_concurrent_requests_make_one_attempt(checks: Checks) -> None:
    ids = await asyncio.gather(*(checks.request(files=RIGHT) for _ in range(5)))
    assert len(set(ids)) == 1
    async with checks.sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM procrastinate_jobs WHERE queue_name = 'checks'")) == 1


async def test_a_rolled_back_request_queues_nothing(checks: Checks) -> None:
    async with checks.sessions() as session, session.begin():
        await request_check(session, checks.target(), cooldown_s=0, files=RIGHT)
        await session.rollback()
    async with checks.sessions() as session:
        assert await session.scalar(text("SELECT count(*) FROM check_attempts")) == 0
        assert await session.scalar(text("SELECT count(*) FROM procrastinate_jobs WHERE queue_name = 'checks'")) == 0


async def test_the_learners_environment_files_are_checked_and_their_own_tests_ignored(checks: Checks) -> None:
    spec = EnvironmentSpec(limits=ResourceLimits(memory="256m", wall_timeout=20))
    env = (await checks.runtime.create(spec)).id
    try:
        await checks.runtime.write_file(env, "solution.py", WRONG["solution.py"].data)
        await checks.runtime.write_file(env, "tests/test_add.py", b"def test_add():\n    assert True\n")
        await checks.runtime.write_file(env, "__pycache__/junk.pyc", b"\0" * 100)
        attempt_id = await checks.request(environment_id=env)
        await checks.run_jobs()
        attempt = await checks.attempt(attempt_id)
        assert attempt.status == "failed"  # the hidden test replaced the learner's "test"
        await checks.runtime.write_file(env, "solution.py", RIGHT["solution.py"].data)
        passing = await checks.attempt(await checks.request(environment_id=env))
        await checks.run_jobs()
        passing = await checks.attempt(passing.id)
        assert passing.status == "passed"
        seen = {
            "solution.py": RIGHT["solution.py"],
            "tests/test_add.py": FileData(b"def test_add():\n    assert True\n"),
        }
        assert passing.files_hash == snapshot_hash(seen)  # __pycache__ left out
    finally:
        await checks.runtime.remove(env)


async def test_a_missing_environment_is_an_infrastructure_error_not_a_failure(checks: Checks) -> None:
    attempt_id = await checks.request(environment_id="no-such-environment")
    await checks.run_jobs()
    attempt = await checks.attempt(attempt_id)
    assert (attempt.status, attempt.verdict) == ("error", "infrastructure_error")
    assert attempt.detail
    async with checks.sessions() as session:
        assert await failed_checks(session, checks.target()) == 0
    assert [action for action, _ in await checks.events()] == ["check.requested"]
