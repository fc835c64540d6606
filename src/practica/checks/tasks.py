"""The check job (queue ``checks``): run a lesson's hidden tests against a learner's files and keep the result.

The learner's files are the ones sent with the request, or else read from
their environment's workspace when the job starts (the workspace is a folder
on the eval host, readable whether the environment runs or not). The tests
run in a fresh environment from the lesson's image (:func:`run_check`), never
in the learner's own, so nothing the learner did there can change the grader.
"""

from __future__ import annotations

import hashlib

import structlog
from procrastinate import JobContext
from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from practica.checks.models import AttemptStatus, CheckAttempt, LessonCompletion
from practica.checks.runner import CheckRun, Verdict, run_check
from practica.checks.service import (
    CHECK_TASK,
    QUEUE,
    decode_files,
    lesson_gid,
    lesson_payload,
)
from practica.db.changes import announce, check_key
from practica.environments.models import LearnerEnvironment
from practica.events.outbox import gid, record_event
from practica.hosts.runtimes import runtime_on
from practica.ids import is_preview
from practica.jobs.queue import jobs
from practica.jobs.resources import SandboxWorker, Sessions, worker_resources
from practica.lessons.files import FileData
from practica.lessons.format import Lesson, organization_of
from practica.lessons.models import CourseLesson, CourseVersion
from practica.sandbox.runtime import Runtime, SandboxError
from practica.sandbox.spec import FileKind

log = structlog.get_logger(__name__)
SKIPPED_DIRECTORIES = frozenset({".git", "__pycache__", ".pytest_cache", "node_modules", ".venv", ".mypy_cache"})
MAX_FILES = 2000
MAX_BYTES = 20 * 1024 * 1024


class WorkspaceTooLargeError(Exception):
    pass


async def read_workspace(runtime: Runtime, env_id: str) -> dict[str, FileData]:
    """Every regular file of the workspace (build and cache folders left out), within the size limits."""
    files: dict[str, FileData] = {}
    pending = ["."]
    total = 0
    while pending:
        directory = pending.pop()
        for entry in await runtime.list_files(env_id, directory):
            path = entry.name if directory == "." else f"{directory}/{entry.name}"
            if entry.kind is FileKind.DIRECTORY and entry.name not in SKIPPED_DIRECTORIES:
                pending.append(path)
            elif entry.kind is FileKind.FILE:
                total += entry.size
                if len(files) >= MAX_FILES or total > MAX_BYTES:
                    raise WorkspaceTooLargeError(f"the workspace holds over {MAX_FILES} files or {MAX_BYTES} bytes")
                files[path] = FileData(await runtime.read_file(env_id, path), 0o755 if entry.mode & 0o111 else 0o644)
    return files


def snapshot_hash(files: dict[str, FileData]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(f"{path}\0{files[path].mode:o}\0{len(files[path].data)}\0".encode())
        digest.update(files[path].data)
    return digest.hexdigest()


async def _claim(sessions: Sessions, attempt_id: int) -> tuple[CheckAttempt, CourseLesson] | None:
    async with sessions() as session, session.begin():
        attempt = await session.scalar(
            update(CheckAttempt)
            .where(CheckAttempt.id == attempt_id, CheckAttempt.status == AttemptStatus.QUEUED)
            .values(status=AttemptStatus.RUNNING, started_at=func.now())
            .returning(CheckAttempt)
        )
        if attempt is None:
            return None
        await announce(session, check_key(attempt.id))
        lesson = await session.get(CourseLesson, attempt.lesson_id)
        assert lesson is not None, "attempts reference their lesson"
        return attempt, lesson


async def _learner_files(runtime: Runtime, attempt: CheckAttempt) -> dict[str, FileData]:
    if attempt.files is not None:
        return decode_files(attempt.files)
    if attempt.environment_id is None:
        raise SandboxError("the check has neither files nor an environment to read them from")
    return await read_workspace(runtime, attempt.environment_id)


async def _runtime_for(sandbox: SandboxWorker, sessions: Sessions, attempt: CheckAttempt) -> Runtime:
    """The runtime of the learner's environment (whatever host it is on); this machine's for files sent along."""
    host = sandbox.settings.host_name
    if attempt.environment_id is not None:
        async with sessions() as session:
            environment = await session.get(LearnerEnvironment, attempt.environment_id)
        host = environment.host if environment is not None else host
    return await runtime_on(sandbox, sessions, host)


@jobs.task(name=CHECK_TASK, queue=QUEUE, pass_context=True)
async def run_check_job(context: JobContext, attempt_id: int) -> None:
    resources = worker_resources(context)
    sandbox, sessions = resources.sandbox, resources.sessions
    claimed = await _claim(sessions, attempt_id)
    if claimed is None:
        return
    attempt, lesson = claimed
    runtime = await _runtime_for(sandbox, sessions, attempt)
    try:
        files = await _learner_files(runtime, attempt)
    except (SandboxError, WorkspaceTooLargeError, OSError) as error:
        await _store(sessions, attempt, lesson, None, CheckRun(Verdict.INFRASTRUCTURE_ERROR, detail=str(error)))
        return
    retried_because = None
    try:
        run, retried_because = await _judged(runtime, lesson.definition, files, decode_files(lesson.files["tests"]))
    except Exception as error:
        log.exception("check.crashed", attempt=attempt.id)
        run = CheckRun(Verdict.INFRASTRUCTURE_ERROR, detail=f"the check crashed: {error}")
    await _store(sessions, attempt, lesson, files, run, retried_because)


async def _judged(
    runtime: Runtime, lesson: Lesson, files: dict[str, FileData], tests: dict[str, FileData]
) -> tuple[CheckRun, str | None]:
    """The check's run, and why it was run twice: once more when the host cut the first short.

    A second run cut short too is the platform's error (``overloaded``), never the learner's failure.
    """
    first = await run_check(runtime, lesson, files, tests)
    if first.overload is None:
        return first, None
    because = first.overload.describe()
    log.warning("check.overloaded", lesson=lesson.id, measured=because)
    second = await run_check(runtime, lesson, files, tests)
    if second.overload is None:
        return second, because
    detail = (
        f"The eval host was too busy to finish this check, twice ({second.overload.describe()}). "
        "It does not count against you: check again in a moment."
    )
    return CheckRun(Verdict.OVERLOADED, duration_s=second.duration_s, detail=detail), because


def _status(run: CheckRun) -> AttemptStatus:
    if run.verdict is Verdict.PASSED:
        return AttemptStatus.PASSED
    if run.verdict in (Verdict.INFRASTRUCTURE_ERROR, Verdict.OVERLOADED):
        return AttemptStatus.ERROR
    return AttemptStatus.FAILED


async def _store(
    sessions: Sessions,
    attempt: CheckAttempt,
    lesson: CourseLesson,
    files: dict[str, FileData] | None,
    run: CheckRun,
    retried_because: str | None = None,
) -> None:
    status = _status(run)
    async with sessions() as session, session.begin():
        await session.execute(
            update(CheckAttempt)
            .where(CheckAttempt.id == attempt.id)
            .values(
                status=status,
                verdict=run.verdict.value,
                detail=run.detail[:4000],
                results=run.cases,
                duration_s=run.duration_s,
                files_hash=snapshot_hash(files) if files is not None else None,
                retried_because=retried_because,
                finished_at=func.now(),
            )
        )
        await _record_outcome(session, attempt, lesson, run, status, retried=retried_because is not None)
        await announce(session, check_key(attempt.id))
    log.info(
        "check.finished", attempt=attempt.id, verdict=run.verdict.value, duration_s=round(run.duration_s, 3),
        retried=retried_because is not None,
    )  # fmt: skip


async def _record_outcome(
    session: AsyncSession,
    attempt: CheckAttempt,
    lesson: CourseLesson,
    run: CheckRun,
    status: AttemptStatus,
    *,
    retried: bool,
) -> None:
    """``check.passed`` / ``check.failed`` (not for platform errors), and ``lesson.completed`` the first time.

    An author's preview checks record neither: they are no learner's activity nor progress.
    """
    if status is AttemptStatus.ERROR or is_preview(attempt.user_key):
        return
    version = await session.get(CourseVersion, lesson.version_id)
    organization = organization_of(version.visibility) if version is not None else None
    performer = gid("User", attempt.user_key)
    failing = [case.name for case in run.failing]
    payload = {
        **lesson_payload(attempt.course_id, lesson, organization),
        "attempt": attempt.id,
        "verdict": run.verdict.value,
        "tests": {"passed": run.passed, "total": len(run.cases), "failing": failing[:20]},
        "duration_s": round(run.duration_s, 3),
        "retried": retried,  # the host cut a first run short
    }
    action = "check.passed" if status is AttemptStatus.PASSED else "check.failed"
    await record_event(session, subject=gid("Check", attempt.id), action=action, performer=performer, payload=payload)
    if status is AttemptStatus.PASSED and await _complete(session, attempt):
        await record_event(
            session,
            subject=lesson_gid(attempt.course_id, attempt.lesson_slug),
            action="lesson.completed",
            performer=performer,
            payload={**lesson_payload(attempt.course_id, lesson, organization), "attempt": attempt.id},
        )


async def _complete(session: AsyncSession, attempt: CheckAttempt) -> bool:
    """Record the completion; False when the lesson was completed before."""
    made = await session.scalar(
        insert(LessonCompletion)
        .values(
            user_key=attempt.user_key,
            course_id=attempt.course_id,
            lesson_slug=attempt.lesson_slug,
            attempt_id=attempt.id,
        )
        .on_conflict_do_nothing()
        .returning(LessonCompletion.attempt_id)
    )
    return made is not None
