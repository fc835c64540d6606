"""What web code calls, inside its own transaction, to have learner environments started and stopped.

Each call changes rows and defers the lifecycle job in the caller's
transaction (:mod:`practica.environments.tasks`): a rolled-back request starts
nothing, a committed one always has its job. Nothing here touches a runtime.
"""

from __future__ import annotations

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from practica.environments.models import EnvironmentState, LearnerEnvironment
from practica.environments.pool import claim, give_back, queue_refill
from practica.environments.tasks import REMOVE_TASK, START_TASK, STOP_TASK, defer_lifecycle
from practica.hosts.registry import place
from practica.hosts.runtimes import active_hosts, hosts_registered, is_usable
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import EnvironmentSpec
from practica.sandbox.store import new_environment_id

_RESTARTABLE = (EnvironmentState.STOPPING, EnvironmentState.STOPPED, EnvironmentState.FAILED)
_LIVE = (EnvironmentState.STARTING, EnvironmentState.RUNNING)
_NOT_REMOVED = LearnerEnvironment.status != EnvironmentState.REMOVED
_UNIQUE_WHERE = text("status <> 'removed'")  # the unique index's own predicate, for ON CONFLICT to find it


async def _current(session: AsyncSession, owner: str, lesson: str) -> LearnerEnvironment | None:
    return await session.scalar(
        select(LearnerEnvironment)
        .where(LearnerEnvironment.owner_key == owner, LearnerEnvironment.lesson_key == lesson, _NOT_REMOVED)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def _insert(
    session: AsyncSession, owner: str, lesson: str, spec: EnvironmentSpec, settings: SandboxSettings
) -> str | None:
    """A new ``starting`` row, or None when a concurrent request made one first.

    Its id is a pooled sandbox's when a pool has one (already running: the
    start job only marks it), else a new one (the start job makes it). With
    eval hosts registered, a sandbox pooled on any active one is taken before
    a host is chosen by placement.
    """
    local, runtime = settings.host_name, settings.runtime
    hosts = await active_hosts(session) if await hosts_registered(session) else [local]
    pooled = await claim(session, spec, settings, hosts) if hosts else None
    if pooled is not None:
        env_id, host = pooled
    else:
        env_id, host = new_environment_id(), await _placement(session, spec, settings)
    made = await _insert_row(session, env_id, owner, lesson, spec, runtime if host == local else "docker", host)
    if made is None and pooled is not None:
        await give_back(session, env_id, spec, host)
    if made is not None:
        await queue_refill(session, settings, host)
    return made


async def _placement(session: AsyncSession, spec: EnvironmentSpec, settings: SandboxSettings) -> str:
    """Where a new environment goes: an eval host with room when any is registered, else this machine."""
    if await hosts_registered(session):
        return await place(session, spec)
    return settings.host_name


async def _insert_row(
    session: AsyncSession, env_id: str, owner: str, lesson: str, spec: EnvironmentSpec, runtime: str, host: str
) -> str | None:
    made: str | None = await session.scalar(
        insert(LearnerEnvironment)
        .values(
            id=env_id,
            owner_key=owner,
            lesson_key=lesson,
            runtime=runtime,
            host=host,
            status=EnvironmentState.STARTING,
            spec=spec.model_dump(mode="json"),
        )
        .on_conflict_do_nothing(index_elements=["owner_key", "lesson_key"], index_where=_UNIQUE_WHERE)
        .returning(LearnerEnvironment.id)
    )
    return made


async def request_environment(
    session: AsyncSession, owner: str, lesson: str, spec: EnvironmentSpec, *, settings: SandboxSettings
) -> LearnerEnvironment:
    """The owner's environment for the lesson, asked to run: made, resumed or left running (and marked active).

    The row's id is the environment's id from now on (for gateway tokens);
    its ``status`` turns ``running`` once the start job has run. A new
    environment goes to an eval host with room when any is registered
    (:func:`practica.hosts.registry.place`); one whose host is down or
    forgotten is placed again and made anew there (its workspace's owner
    puts the saved files back). An existing
    environment keeps the spec it was made with; a failed one takes ``spec``
    (the lesson may have been fixed since).
    """
    row = await _current(session, owner, lesson)
    if row is None:
        made = await _insert(session, owner, lesson, spec, settings)
        if made is not None:
            await defer_lifecycle(session, START_TASK, made)
        row = await _current(session, owner, lesson)
        assert row is not None, "a row for this owner and lesson exists now"
        return row
    lost = not await is_usable(session, row.host, settings.host_name)
    if row.status in _RESTARTABLE or lost:
        if row.status == EnvironmentState.FAILED:
            row.spec = spec.model_dump(mode="json")
        if lost:  # its host is down or gone: made again elsewhere, the files put back from their last save
            row.host = await _placement(session, EnvironmentSpec.model_validate(row.spec), settings)
            row.runtime = settings.runtime if row.host == settings.host_name else "docker"
        row.status = EnvironmentState.STARTING
        row.error = None
        await session.flush()
        await defer_lifecycle(session, START_TASK, row.id)
    else:
        await touch(session, row.id)
        await session.refresh(row)
    return row


async def touch(session: AsyncSession, env_id: str) -> bool:
    """Record activity (what keeps the cull away); False when the environment is not starting or running."""
    touched = await session.execute(
        update(LearnerEnvironment)
        .where(LearnerEnvironment.id == env_id, LearnerEnvironment.status.in_(_LIVE))
        .values(last_active_at=func.now())
        .returning(LearnerEnvironment.id)
    )
    return touched.first() is not None


async def request_stop(session: AsyncSession, env_id: str) -> bool:
    """Ask to stop a starting or running environment (files kept); False when there is nothing to stop."""
    stopping = await session.scalar(
        update(LearnerEnvironment)
        .where(LearnerEnvironment.id == env_id, LearnerEnvironment.status.in_(_LIVE))
        .values(status=EnvironmentState.STOPPING)
        .returning(LearnerEnvironment.id)
    )
    if stopping is None:
        return False
    await defer_lifecycle(session, STOP_TASK, env_id)
    return True


async def request_remove(session: AsyncSession, env_id: str) -> bool:
    """Ask to delete an environment and its files; the row stays, ``removed``. False when already so."""
    removed = await session.scalar(
        update(LearnerEnvironment)
        .where(LearnerEnvironment.id == env_id, _NOT_REMOVED)
        .values(status=EnvironmentState.REMOVED, stopped_at=func.coalesce(LearnerEnvironment.stopped_at, func.now()))
        .returning(LearnerEnvironment.id)
    )
    if removed is None:
        return False
    await defer_lifecycle(session, REMOVE_TASK, env_id)
    return True
