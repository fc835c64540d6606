"""A learner's environment for a lesson, with the learner's files in it.

Opening a lesson asks for the learner's environment (made, resumed, or left
running: :func:`practica.environments.service.request_environment`) and, when
it is not running yet or after a reset, queues the prepare job behind the
start job (same lock, so it runs after it). Until the job is done, the page
says the environment is starting. The job puts the files in when the
environment is not the one they last went into (a new one, or one its host
lost and the start job made again): the learner's last save
(:mod:`practica.learning.saves`), else the lesson's starter files. A reset
puts the starter files back and forgets the save.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog
from procrastinate import JobContext
from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from practica.checks.service import decode_files
from practica.db.changes import announce, environment_key
from practica.environments.models import EnvironmentState, LearnerEnvironment
from practica.environments.service import request_environment
from practica.environments.tasks import lock_of
from practica.hosts.runtimes import runtime_on
from practica.ids import CourseId, EnvironmentId, LessonSlug, OwnerKey
from practica.jobs.queue import SANDBOX_QUEUE, defer_in_transaction, jobs
from practica.jobs.resources import Sessions, worker_resources
from practica.learning.models import LessonWorkspace, WorkspaceSave
from practica.learning.saves import restore
from practica.lessons.format import Lesson
from practica.lessons.models import CourseLesson
from practica.sandbox.runtime import Runtime
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import EnvironmentSpec, NetworkAccess, ResourceLimits

PREPARE_TASK = "practica.learning.prepare"
log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class WorkspaceState:
    environment_id: EnvironmentId
    status: str  # the environment's, except "starting" until the starter files are in
    error: str | None


LEARNER_COMMAND_TIMEOUT_S = 3600


def learner_spec(lesson: Lesson) -> EnvironmentSpec:
    """The learner's own environment: the lesson's image, network and memory; roomier limits per command."""
    return EnvironmentSpec(
        environment=lesson.environment,
        network=NetworkAccess(lesson.network.value),
        limits=ResourceLimits(memory=lesson.limits.memory_mb * 1024 * 1024, wall_timeout=LEARNER_COMMAND_TIMEOUT_S),
        labels={"purpose": "learner", "lesson": lesson.id},
    )


def lesson_key(course_id: CourseId, slug: LessonSlug) -> str:
    return f"{course_id}/{slug}"


async def open_workspace(
    session: AsyncSession, user_key: OwnerKey, course_id: CourseId, lesson: CourseLesson, settings: SandboxSettings
) -> WorkspaceState:
    """Ask for the learner's environment for this lesson; starter files are written the first time."""
    environment = await request_environment(
        session, user_key, lesson_key(course_id, lesson.slug), learner_spec(lesson.definition), settings=settings
    )
    workspace = await session.scalar(
        insert(LessonWorkspace)
        .values(user_key=user_key, course_id=course_id, lesson_slug=lesson.slug, environment_id=environment.id,
                starter_lesson_id=lesson.id)
        .on_conflict_do_update(
            index_elements=["user_key", "course_id", "lesson_slug"],
            set_={"environment_id": environment.id},
            where=LessonWorkspace.environment_id != environment.id,
        )
        .returning(LessonWorkspace)
    )  # fmt: skip
    if workspace is None:  # the same environment as before
        workspace = await session.get(LessonWorkspace, (user_key, course_id, lesson.slug))
        assert workspace is not None
        if workspace.prepared_at is None or environment.status == EnvironmentState.STARTING:
            # not prepared yet (or its start failed), or starting again (its host may have lost it): the job
            # finds out whether the files must go in again, and is idempotent
            await _queue_prepare(session, workspace, lesson, reset=False)
    else:  # new, or its environment was replaced: the files must go in
        await _queue_prepare(session, workspace, lesson, reset=False)
    state = await workspace_state(session, user_key, course_id, lesson.slug)
    assert state is not None
    return state


async def reset_workspace(session: AsyncSession, user_key: OwnerKey, course_id: CourseId, lesson: CourseLesson) -> bool:
    """Put the starter files of ``lesson`` back (everything else in the workspace goes); False without one."""
    workspace = await session.get(LessonWorkspace, (user_key, course_id, lesson.slug), with_for_update=True)
    if workspace is None:
        return False
    await _queue_prepare(session, workspace, lesson, reset=True)
    return True


async def _queue_prepare(session: AsyncSession, workspace: LessonWorkspace, lesson: CourseLesson, reset: bool) -> None:
    await session.execute(
        update(LessonWorkspace)
        .where(
            LessonWorkspace.user_key == workspace.user_key,
            LessonWorkspace.course_id == workspace.course_id,
            LessonWorkspace.lesson_slug == workspace.lesson_slug,
        )
        .values(prepared_at=None, starter_lesson_id=lesson.id)
    )
    await defer_in_transaction(
        session,
        jobs.tasks[PREPARE_TASK],
        lock=lock_of(workspace.environment_id),
        user_key=workspace.user_key,
        course_id=workspace.course_id,
        lesson_slug=workspace.lesson_slug,
        reset=reset,
    )


async def workspace_state(
    session: AsyncSession, user_key: OwnerKey, course_id: CourseId, slug: LessonSlug
) -> WorkspaceState | None:
    """The learner's environment for the lesson as the page shows it; None before the lesson was first opened."""
    row = (
        await session.execute(
            select(
                LearnerEnvironment.id, LearnerEnvironment.status, LearnerEnvironment.error, LessonWorkspace.prepared_at
            )
            .join(LessonWorkspace, LessonWorkspace.environment_id == LearnerEnvironment.id)
            .where(
                LessonWorkspace.user_key == user_key,
                LessonWorkspace.course_id == course_id,
                LessonWorkspace.lesson_slug == slug,
            )
        )
    ).first()
    if row is None:
        return None
    environment_id, status, error, prepared_at = row
    if status == EnvironmentState.RUNNING and prepared_at is None:
        status = EnvironmentState.STARTING
    return WorkspaceState(EnvironmentId(environment_id), status, error)


@jobs.task(name=PREPARE_TASK, queue=SANDBOX_QUEUE, pass_context=True)
async def prepare_workspace(
    context: JobContext, user_key: OwnerKey, course_id: CourseId, lesson_slug: LessonSlug, reset: bool
) -> None:
    """Put the learner's files in once the environment runs, unless they are in it already.

    The files are in when the workspace was last filled for this environment as
    it was made (``filled_for`` equals its ``made_at``). Otherwise they go in
    only into an empty workspace: one that holds files already (prepared by a
    release before ``filled_for``) is never written over.
    """
    resources = worker_resources(context)
    sandbox, sessions = resources.sandbox, resources.sessions
    async with sessions() as session:
        workspace = await session.get(LessonWorkspace, (user_key, course_id, lesson_slug))
        if workspace is None or workspace.prepared_at is not None:
            return
        lesson = await session.get(CourseLesson, workspace.starter_lesson_id)
        environment = await session.get(LearnerEnvironment, workspace.environment_id)
        saved = None if reset else await session.get(WorkspaceSave, (user_key, course_id, lesson_slug))
    if lesson is None or environment is None or environment.status not in (EnvironmentState.RUNNING,):
        return  # the start failed or was undone: a later open of the lesson queues this again
    runtime = await runtime_on(sandbox, sessions, environment.host)
    if reset or (workspace.filled_for != environment.made_at and not await runtime.list_files(environment.id)):
        await _fill(runtime, environment.id, lesson, saved, reset)
    await _prepared(sessions, workspace, environment.made_at, forget_save=reset)


async def _fill(runtime: Runtime, env_id: str, lesson: CourseLesson, saved: WorkspaceSave | None, reset: bool) -> None:
    if reset:
        for entry in await runtime.list_files(env_id, "."):
            await runtime.delete_file(env_id, entry.name)
    if saved is not None:
        restored = await restore(runtime, env_id, saved.archive)
        log.info("workspace.restored", environment=env_id, files=restored, saved_at=saved.saved_at.isoformat())
        return
    for path, file in decode_files(lesson.files["starter"]).items():
        await runtime.write_file(env_id, path, file.data, file.mode)


async def _prepared(sessions: Sessions, workspace: LessonWorkspace, made_at: datetime, forget_save: bool) -> None:
    key = (workspace.user_key, workspace.course_id, workspace.lesson_slug)
    async with sessions() as session, session.begin():
        await session.execute(
            update(LessonWorkspace)
            .where(
                LessonWorkspace.user_key == workspace.user_key,
                LessonWorkspace.course_id == workspace.course_id,
                LessonWorkspace.lesson_slug == workspace.lesson_slug,
                LessonWorkspace.environment_id == workspace.environment_id,
            )
            .values(prepared_at=func.now(), filled_for=made_at)
        )
        if forget_save:
            await session.execute(delete(WorkspaceSave).where(tuple_(*_SAVE_KEY) == key))
        await announce(session, environment_key(workspace.environment_id))


_SAVE_KEY = (WorkspaceSave.user_key, WorkspaceSave.course_id, WorkspaceSave.lesson_slug)
