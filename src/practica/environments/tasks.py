"""Lifecycle jobs of learner environments, run by workers on the eval host (queue ``sandbox``).

Web code never calls a runtime: it changes a row's status and defers one of
these jobs in the same transaction (see :mod:`practica.environments.service`).
Each job acts only when the row still asks for it (a later request may have
changed its mind), and jobs of one environment run one at a time, in the
order they were queued (procrastinate ``lock``). The runtime is made once per
worker process: bubblewrap environments live as long as the process that
started them, and the periodic ``cull`` marks those a restart ended as
stopped (``reconcile``), so that the next request resumes them, and removes
what a returning eval host still holds of environments that moved away
(:mod:`practica.environments.leftovers`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any

import structlog
from procrastinate import JobContext
from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from practica.db.changes import announce, environment_key
from practica.environments.leftovers import sweep_leftovers
from practica.environments.models import EnvironmentState, LearnerEnvironment
from practica.hosts.models import EvalHost
from practica.hosts.runtimes import runtime_on
from practica.jobs.queue import SANDBOX_QUEUE, defer_in_transaction, jobs
from practica.jobs.resources import SandboxWorker, Sessions, worker_resources
from practica.sandbox.runtime import EnvironmentNotFoundError, Runtime, SandboxError
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import EnvironmentSpec, Status

QUEUE = SANDBOX_QUEUE
# Task names are stored in queued jobs: they keep the names they had when this module was practica.sandbox.tasks.
START_TASK = "practica.sandbox.start"
STOP_TASK = "practica.sandbox.stop"
REMOVE_TASK = "practica.sandbox.remove"
CULL_TASK = "practica.sandbox.cull"
log = structlog.get_logger(__name__)


def lock_of(env_id: str) -> str:
    return f"sandbox-environment:{env_id}"


async def defer_lifecycle(session: AsyncSession, task_name: str, env_id: str) -> None:
    """Queue a lifecycle job for ``env_id`` in ``session``'s transaction."""
    await defer_in_transaction(session, jobs.tasks[task_name], lock=lock_of(env_id), env_id=env_id)


async def _claim(sessions: Sessions, env_id: str, wanted: EnvironmentState) -> tuple[EnvironmentSpec, str] | None:
    """The environment's spec and host when its row still asks for ``wanted``, else None."""
    async with sessions() as session:
        row = await session.get(LearnerEnvironment, env_id)
        if row is None or row.status != wanted:
            return None
        return EnvironmentSpec.model_validate(row.spec), row.host


async def _finish(sessions: Sessions, env_id: str, expected: EnvironmentState, **values: Any) -> None:
    """Record the step's outcome, and tell the pages waiting for this environment (at commit)."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(LearnerEnvironment)
            .where(LearnerEnvironment.id == env_id, LearnerEnvironment.status == expected)
            .values(**values)
        )
        await announce(session, environment_key(env_id))


async def ensure_running(runtime: Runtime, env_id: str, spec: EnvironmentSpec) -> bool:
    """Create the environment (with this id) or resume it; nothing when it runs. True when it was created."""
    try:
        info = await runtime.get(env_id)
    except EnvironmentNotFoundError:
        await runtime.create(spec, env_id)
        return True
    if info.status is not Status.RUNNING:
        await runtime.resume(env_id)
    return False


async def _run_step(
    sessions: Sessions,
    env_id: str,
    state: EnvironmentState,
    step: Callable[[], Awaitable[dict[str, Any] | None]],
    **done: Any,
) -> None:
    """Run ``step()`` for a row in ``state``; record ``done`` (and what the step returns) after, or ``failed``."""
    try:
        learned = await step()
    except Exception as error:
        await _finish(sessions, env_id, state, status=EnvironmentState.FAILED, error=str(error)[:2000])
        log.warning("sandbox.lifecycle_failed", environment=env_id, state=state.value, error=str(error))
        if not isinstance(error, SandboxError):
            raise
        return
    await _finish(sessions, env_id, state, **done, **(learned or {}))
    log.info(f"sandbox.{done['status']}", environment=env_id)


@jobs.task(name=START_TASK, queue=QUEUE, pass_context=True)
async def start_environment(context: JobContext, env_id: str) -> None:
    resources = worker_resources(context)
    sandbox, sessions = resources.sandbox, resources.sessions
    claimed = await _claim(sessions, env_id, EnvironmentState.STARTING)
    if claimed is None:
        return
    spec, host = claimed
    now = func.now()

    async def step() -> dict[str, Any]:
        made = await ensure_running(await runtime_on(sandbox, sessions, host), env_id, spec)
        return {"made_at": now} if made else {}

    await _run_step(
        sessions, env_id, EnvironmentState.STARTING, step,
        status=EnvironmentState.RUNNING, started_at=now, last_active_at=now, stopped_at=None, error=None,
    )  # fmt: skip


@jobs.task(name=STOP_TASK, queue=QUEUE, pass_context=True)
async def stop_environment(context: JobContext, env_id: str) -> None:
    resources = worker_resources(context)
    sandbox, sessions = resources.sandbox, resources.sessions
    claimed = await _claim(sessions, env_id, EnvironmentState.STOPPING)
    if claimed is None:
        return

    async def step() -> None:
        with suppress(EnvironmentNotFoundError):  # never started: nothing to stop
            await (await runtime_on(sandbox, sessions, claimed[1])).stop(env_id)

    await _run_step(
        sessions, env_id, EnvironmentState.STOPPING, step, status=EnvironmentState.STOPPED, stopped_at=func.now()
    )


@jobs.task(name=REMOVE_TASK, queue=QUEUE, pass_context=True)
async def remove_environment(context: JobContext, env_id: str) -> None:
    resources = worker_resources(context)
    async with resources.sessions() as session:
        row = await session.get(LearnerEnvironment, env_id)
    host = row.host if row is not None else resources.sandbox.settings.host_name
    await (await runtime_on(resources.sandbox, resources.sessions, host)).remove(env_id)
    log.info("sandbox.removed", environment=env_id, host=host)


async def cull_idle(sessions: Sessions, settings: SandboxSettings) -> list[str]:
    """Ask to stop what has been idle past ``idle_timeout`` or running past ``max_lifetime``."""
    running = LearnerEnvironment.status == EnvironmentState.RUNNING
    idle = LearnerEnvironment.last_active_at < func.now() - settings.idle_timeout
    too_old = LearnerEnvironment.started_at < func.now() - settings.max_lifetime
    async with sessions() as session, session.begin():
        rows = (
            await session.execute(
                update(LearnerEnvironment)
                .where(running, or_(idle, too_old))
                .values(status=EnvironmentState.STOPPING)
                .returning(LearnerEnvironment.id, idle, too_old)
            )
        ).all()
        for env_id, was_idle, was_old in rows:
            await defer_lifecycle(session, STOP_TASK, env_id)
            log.info("sandbox.culling", environment=env_id, idle=bool(was_idle), lifetime_cap=bool(was_old))
    return [row[0] for row in rows]


async def reconcile(sessions: Sessions, sandbox: SandboxWorker) -> list[str]:
    """Rows that say ``running`` while their runtime's environment is not: now ``stopped``.

    Those of this machine and of the eval hosts that answer (a down host's are left as they are: the next
    request for one places it again).
    """
    async with sessions() as session:
        rows = (
            await session.execute(
                select(LearnerEnvironment.id, LearnerEnvironment.host).where(
                    LearnerEnvironment.status == EnvironmentState.RUNNING,
                    or_(
                        LearnerEnvironment.host == sandbox.settings.host_name, LearnerEnvironment.host.in_(_up_hosts())
                    ),
                )
            )
        ).all()
    ended = [
        env_id for env_id, host in rows if not await _is_running(await runtime_on(sandbox, sessions, host), env_id)
    ]
    for env_id in ended:
        await _finish(
            sessions, env_id, EnvironmentState.RUNNING, status=EnvironmentState.STOPPED, stopped_at=func.now()
        )
        log.info("sandbox.found_stopped", environment=env_id)
    return ended


def _up_hosts() -> Select[Any]:
    return select(EvalHost.name).where(EvalHost.down_since.is_(None))


async def _is_running(runtime: Runtime, env_id: str) -> bool:
    try:
        return (await runtime.get(env_id)).status is Status.RUNNING
    except EnvironmentNotFoundError:
        return False


@jobs.periodic(cron="* * * * *", periodic_id="sandbox-cull")
@jobs.task(name=CULL_TASK, queue=QUEUE, pass_context=True)
async def cull(context: JobContext, timestamp: int) -> None:
    resources = worker_resources(context)
    sandbox, sessions = resources.sandbox, resources.sessions
    await cull_idle(sessions, sandbox.settings)
    await reconcile(sessions, sandbox)
    await sweep_leftovers(sessions, sandbox)
