"""The job of a draft (queue ``sandbox``: it runs real environments): fetch it when it came as a git URL, validate.

A draft imported from a git URL has no files yet: the job first clones it
(:mod:`practica.authoring.fetching`, off the web process, with a timeout and
a size cap). Then it runs exactly what ``practica lesson validate`` runs
(:func:`practica.checks.validation.validate_lesson`), lesson by lesson, and,
when every run held, the stress pass (``PRACTICA_VALIDATE_STRESS_RUNS``
more runs of each reference solution beside a CPU hog on every core of this
eval host, :mod:`practica.checks.stress`), writing into the draft's row how
many runs are done as it goes and, at the end, the report with the flaky
tests. A draft whose validation broke (the runtime failed, say)
becomes ``failed`` with the error and the job fails too, so that it shows
among the failed jobs; retrying the job validates the draft again. A fetch
that fails (git, the size, the time, the course's format) is the author's:
the draft says why and the job ends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import structlog
from procrastinate import JobContext
from sqlalchemy import Text, case, column, func, literal, select, table, update
from sqlalchemy.dialects.postgresql import ENUM, JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from practica.authoring.fetching import fetch_draft
from practica.authoring.models import CourseDraft, DraftStatus
from practica.authoring.report import course_report
from practica.authoring.sources import opened_async
from practica.checks.stress import stress_lessons
from practica.checks.validation import Finding, candidates, validate_lesson
from practica.jobs.queue import SANDBOX_QUEUE, defer_in_transaction, jobs
from practica.jobs.resources import Sessions, worker_resources
from practica.lessons.loading import LoadedCourse
from practica.sandbox.runtime import Runtime

VALIDATE_TASK = "practica.authoring.validate"
log = structlog.get_logger(__name__)
_jobs = table(
    "procrastinate_jobs",
    column("task_name", Text), column("args", JSONB),
    column("status", ENUM(name="procrastinate_job_status", create_type=False)),
)  # fmt: skip


async def queue_validation(session: AsyncSession, draft_id: int) -> int:
    """Defer the job of ``draft_id`` (fetch if need be, validate) in ``session``'s transaction; the job id."""
    return await defer_in_transaction(session, jobs.tasks[VALIDATE_TASK], draft_id=draft_id)


async def job_running(session: AsyncSession, draft_id: int) -> bool:
    """Whether a worker is running the draft's job now (procrastinate's status ``doing``)."""
    running = await session.scalar(
        select(literal(True))
        .select_from(_jobs)
        .where(
            _jobs.c.task_name == VALIDATE_TASK,
            _jobs.c.status == "doing",
            _jobs.c.args["draft_id"].as_integer() == draft_id,
        )
        .limit(1)
    )
    return bool(running)


class ProgressRecorder:
    """Writes the number of finished runs into the draft's row without holding the validation up.

    ``validate_lesson`` calls its progress callback (synchronously) as each run
    starts: the call for run N+1 says run N is done. Each update is its own
    small task; ``greatest`` keeps the count from going back if two land out
    of order.
    """

    def __init__(self, sessions: Sessions, draft_id: int) -> None:
        self.sessions = sessions
        self.draft_id = draft_id
        self.done = 0
        self._pending: set[asyncio.Task[None]] = set()

    def record(self, done: int) -> None:
        task = asyncio.get_running_loop().create_task(self._save(done))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def for_lesson(self) -> Callable[[str], None]:
        base, started = self.done, 0

        def advance(_label: str) -> None:
            nonlocal started
            started += 1
            if started > 1:
                self.record(base + started - 1)

        return advance

    def lesson_finished(self, runs: int) -> None:
        self.done += runs
        self.record(self.done)

    def run_finished(self, _label: str) -> None:
        """One run of the stress pass ended."""
        self.lesson_finished(1)

    async def flush(self) -> None:
        await asyncio.gather(*self._pending)

    async def _save(self, done: int) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(
                update(CourseDraft)
                .where(CourseDraft.id == self.draft_id, CourseDraft.status == DraftStatus.VALIDATING)
                .values(progress_done=func.greatest(CourseDraft.progress_done, done))
            )


_CLAIMABLE = [DraftStatus.FETCHING, DraftStatus.VALIDATING, DraftStatus.FAILED]


async def _claim(sessions: Sessions, draft_id: int) -> tuple[bytes | None, str] | None:
    """(files, source) of a draft awaiting its job (or failed before: a retry); None when there is nothing to do.

    It is marked ``fetching`` when it has no files yet, else ``validating``, its earlier outcome cleared.
    """
    status = case((CourseDraft.archive.is_(None), DraftStatus.FETCHING.value), else_=DraftStatus.VALIDATING.value)
    async with sessions() as session, session.begin():
        row = (
            await session.execute(
                update(CourseDraft)
                .where(CourseDraft.id == draft_id, CourseDraft.status.in_(_CLAIMABLE))
                .values(status=status, progress_done=0, report=None, error=None, problems=None, finished_at=None)
                .returning(CourseDraft.archive, CourseDraft.source)
            )
        ).first()
        return None if row is None else (row.archive, row.source)


async def _finish(
    sessions: Sessions, draft_id: int, *, while_in: tuple[DraftStatus, ...] = (), **values: object
) -> None:
    """End the draft's job with ``values`` (when it is still validating, or in one of ``while_in``)."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(CourseDraft)
            .where(CourseDraft.id == draft_id, CourseDraft.status.in_((DraftStatus.VALIDATING, *while_in)))
            .values(finished_at=func.now(), **values)
        )


async def _validate(
    runtime: Runtime, sessions: Sessions, draft_id: int, archive: bytes, *, timeout_s: float, stress_runs: int
) -> None:
    """Every run of every lesson, then the stress pass, within ``timeout_s`` in all (past it the draft fails)."""
    async with opened_async(archive) as course:
        total = sum(len(candidates(loaded)) + stress_runs for loaded in course.lessons)
        async with sessions() as session, session.begin():
            await session.execute(update(CourseDraft).where(CourseDraft.id == draft_id).values(progress_total=total))
        progress = ProgressRecorder(sessions, draft_id)
        try:
            async with asyncio.timeout(timeout_s):
                findings = await _run_lessons(runtime, course, progress)
                if not all(finding.ok for finding in findings):
                    stress_runs = 0  # unpublishable already: no cores are kept busy for it
                flaky = (
                    await stress_lessons(runtime, course.lessons, stress_runs, progress.run_finished)
                    if stress_runs
                    else []
                )
        except TimeoutError:
            await progress.flush()
            error = f"the validation took longer than {timeout_s:g} s (PRACTICA_DRAFT_VALIDATION_TIMEOUT)"
            await _finish(sessions, draft_id, status=DraftStatus.FAILED, error=f"{error}: {progress.done}/{total} runs")
            log.warning("authoring.validation_timed_out", draft=draft_id, runs=progress.done, total=total)
            return
        await progress.flush()
        report = course_report(course, findings, flaky, stress_runs)
    status = DraftStatus.VALID if report.ok else DraftStatus.INVALID
    done = report.runs + stress_runs * len(report.lessons)
    await _finish(
        sessions, draft_id, status=status, report=report.model_dump(mode="json"), progress_done=done,
        progress_total=done,
    )  # fmt: skip
    log.info(
        "authoring.validated", draft=draft_id, status=status.value, runs=report.runs, failed=report.failed_runs,
        flaky=report.flaky_tests,
    )  # fmt: skip


async def _run_lessons(runtime: Runtime, course: LoadedCourse, progress: ProgressRecorder) -> list[Finding]:
    findings: list[Finding] = []
    for loaded in course.lessons:
        found = await validate_lesson(runtime, loaded, progress.for_lesson())
        findings += found
        progress.lesson_finished(len(found))
    return findings


@jobs.task(name=VALIDATE_TASK, queue=SANDBOX_QUEUE, pass_context=True)
async def validate_draft(context: JobContext, draft_id: int) -> None:
    resources = worker_resources(context)
    sandbox, sessions = resources.sandbox, resources.sessions
    claimed = await _claim(sessions, draft_id)
    if claimed is None:
        return  # published, validated already, or deleted
    archive, source = claimed
    try:
        if archive is None:
            archive = await fetch_draft(sessions, resources.settings, draft_id, source)
            if archive is None:
                return  # the author's to mend: the draft says why
        settings = resources.settings
        await _validate(
            sandbox.runtime(), sessions, draft_id, archive,
            timeout_s=settings.practica_draft_validation_timeout, stress_runs=settings.practica_validate_stress_runs,
        )  # fmt: skip
    except Exception as error:  # the platform broke (git missing, the runtime, the database): the job fails too
        error_text = f"{type(error).__name__}: {error}"[:2000]
        await _finish(sessions, draft_id, while_in=(DraftStatus.FETCHING,), status=DraftStatus.FAILED, error=error_text)
        raise
