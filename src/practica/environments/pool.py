"""Warm pools: sandboxes started ahead of demand, so that opening a lesson need not wait for one.

A pool is kept per eval host and per *pool key*: the spec a lesson's
environment is made with, less its labels (the image, the network policy,
the limits). Its size follows recent demand: as many sandboxes as new
environments of that key were made in the last
``PRACTICA_SANDBOX_POOL_WINDOW`` (10 minutes), on this machine for its own
pools, and for an eval host's its share of those made on all eval hosts
(:func:`demand`), at most ``PRACTICA_SANDBOX_POOL_MAX`` (0 turns pools off).
A key nobody opened in the window has no pool; its sandboxes are removed.

Taking one (:func:`claim`, in the opening request's transaction) deletes its
row with ``FOR UPDATE SKIP LOCKED``: two requests never get the same
sandbox, and the sandbox's id becomes the environment's id. A pooled
sandbox was made empty by :func:`refill` and is only ever taken once, so it
never holds anyone's files. The start job then finds it running and only
marks the row (the starter files go in as for any new environment).

:func:`refill` runs as a job per host (this machine, and each registered eval
host that answers, through its engine): shortly after each claim or
new environment, and every minute (to shrink pools whose demand went, and to
drop sandboxes that ended with a worker restart). Refills of one host run one
at a time (a procrastinate lock).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import structlog
from procrastinate import JobContext
from procrastinate.exceptions import AlreadyEnqueued
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from practica.environments.models import LearnerEnvironment, PooledSandbox
from practica.hosts.runtimes import active_hosts, runtime_on, up_hosts
from practica.jobs.queue import SANDBOX_QUEUE, jobs
from practica.jobs.resources import Sessions, worker_resources
from practica.sandbox.runtime import EnvironmentNotFoundError, Runtime
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import EnvironmentSpec, Status
from practica.sandbox.store import new_environment_id

REFILL_TASK = "practica.sandbox.pool_refill"
TICK_TASK = "practica.sandbox.pool_tick"
POOL_LABELS = {"purpose": "pool"}
REFILL_DELAY_S = 2  # after a claim, the learner's own start and terminal come first on a busy host
log = structlog.get_logger(__name__)


def pool_key(spec: EnvironmentSpec) -> str:
    """The key of the pool whose sandboxes can serve ``spec``: everything but its labels."""
    unlabelled = spec.model_copy(update={"labels": {}}).model_dump_json()
    return hashlib.sha256(unlabelled.encode()).hexdigest()[:32]


def _lock_of(host: str) -> str:
    return f"sandbox-pool:{host}"


async def claim(
    session: AsyncSession, spec: EnvironmentSpec, settings: SandboxSettings, hosts: Sequence[str] | None = None
) -> tuple[str, str] | None:
    """Take a pooled sandbox for ``spec`` on one of ``hosts`` (default: this machine), its row going: its id and
    host; None when those pools are empty or pools are off."""
    if settings.pool_max == 0:
        return None
    oldest = (
        select(PooledSandbox.id)
        .where(PooledSandbox.host.in_(hosts or [settings.host_name]), PooledSandbox.pool_key == pool_key(spec))
        .order_by(PooledSandbox.created_at)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    taken = (
        await session.execute(
            delete(PooledSandbox).where(PooledSandbox.id == oldest).returning(PooledSandbox.id, PooledSandbox.host)
        )
    ).first()
    return (taken[0], taken[1]) if taken is not None else None


async def give_back(session: AsyncSession, env_id: str, spec: EnvironmentSpec, host: str) -> None:
    """Return a claimed sandbox nobody used (a concurrent request made the environment first)."""
    await session.execute(
        insert(PooledSandbox).values(
            id=env_id, host=host, pool_key=pool_key(spec), spec=_pool_spec(spec).model_dump(mode="json")
        )
    )


async def queue_refill(session: AsyncSession, settings: SandboxSettings, host: str) -> None:
    """Have ``host``'s pools refilled shortly, in ``session``'s transaction; nothing when pools are off."""
    if settings.pool_max > 0:
        await _defer_refill(session, host, REFILL_DELAY_S)


async def _defer_refill(session: AsyncSession, host: str, delay_s: int) -> None:
    """One refill job per host queued at a time (later asks join it), run one at a time."""
    lock = _lock_of(host)
    raw = (await (await session.connection()).get_raw_connection()).driver_connection
    assert raw is not None, "a session inside a transaction has a connection"
    deferrer = jobs.tasks[REFILL_TASK].configure(
        connection=raw,
        lock=lock,
        queueing_lock=f"{lock}:queued",
        schedule_in={"seconds": delay_s},
    )
    try:
        async with raw.transaction():  # a savepoint: a refused job leaves the caller's transaction usable
            await deferrer.defer_async(host=host)
    except AlreadyEnqueued:
        return  # one is queued already: it will see this demand too


def _pool_spec(spec: EnvironmentSpec) -> EnvironmentSpec:
    return spec.model_copy(update={"labels": POOL_LABELS})


@dataclass
class Refilled:
    """What one refill did, by pool key."""

    made: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    dropped: list[str] = field(default_factory=list)  # rows whose sandbox no longer ran


async def demand(sessions: Sessions, settings: SandboxSettings, host: str) -> dict[str, tuple[int, EnvironmentSpec]]:
    """New environments per pool key in the window that ``host``'s pools are for, with a spec of each key.

    This machine's: those made here. An eval host's: its share of those made on every eval host (their
    count over the hosts taking new environments, rounded up), since placement spreads new environments
    evenly. So a host just added, or one taking over from a host that went down, is warm before its
    first learner; a draining or down host wants none.
    """
    since = func.now() - settings.pool_window
    async with sessions() as session:
        if host == settings.host_name:
            made_for, hosts_sharing = LearnerEnvironment.host == host, 1
        else:
            active = await active_hosts(session)
            if host not in active:
                return {}
            made_for, hosts_sharing = LearnerEnvironment.host != settings.host_name, len(active)
        specs = await session.scalars(
            select(LearnerEnvironment.spec).where(made_for, LearnerEnvironment.created_at > since)
        )
        found: dict[str, tuple[int, EnvironmentSpec]] = {}
        for raw in specs:
            spec = EnvironmentSpec.model_validate(raw)
            key = pool_key(spec)
            count, _ = found.get(key, (0, spec))
            found[key] = (count + 1, spec)
    return {key: (-(-count // hosts_sharing), spec) for key, (count, spec) in found.items()}


async def _pooled(sessions: Sessions, host: str) -> dict[str, list[str]]:
    async with sessions() as session:
        rows = await session.execute(
            select(PooledSandbox.pool_key, PooledSandbox.id)
            .where(PooledSandbox.host == host)
            .order_by(PooledSandbox.created_at)
        )
        found: dict[str, list[str]] = {}
        for key, env_id in rows:
            found.setdefault(key, []).append(env_id)
    return found


async def _is_running(runtime: Runtime, env_id: str) -> bool:
    try:
        return (await runtime.get(env_id)).status is Status.RUNNING
    except EnvironmentNotFoundError:
        return False


async def _take(sessions: Sessions, ids: list[str]) -> list[str]:
    """Delete these rows unless a request is claiming them right now; the ids deleted."""
    async with sessions() as session, session.begin():
        free = select(PooledSandbox.id).where(PooledSandbox.id.in_(ids)).with_for_update(skip_locked=True)
        return list(
            await session.scalars(delete(PooledSandbox).where(PooledSandbox.id.in_(free)).returning(PooledSandbox.id))
        )


async def _drop_dead(sessions: Sessions, runtime: Runtime, pooled: dict[str, list[str]], done: Refilled) -> None:
    for key, ids in pooled.items():
        dead = [env_id for env_id in ids if not await _is_running(runtime, env_id)]
        for env_id in await _take(sessions, dead):
            ids.remove(env_id)
            await _remove(runtime, env_id)
            done.dropped.append(env_id)
        pooled[key] = ids


async def _remove(runtime: Runtime, env_id: str) -> None:
    try:
        await runtime.remove(env_id)
    except EnvironmentNotFoundError:
        return


async def _make(sessions: Sessions, runtime: Runtime, spec: EnvironmentSpec, host: str) -> None:
    made = await runtime.create(_pool_spec(spec), new_environment_id())
    async with sessions() as session, session.begin():
        await session.execute(
            insert(PooledSandbox).values(
                id=made.id, host=host, pool_key=pool_key(spec), spec=made.spec.model_dump(mode="json")
            )
        )


async def refill(sessions: Sessions, runtime: Runtime, settings: SandboxSettings, host: str | None = None) -> Refilled:
    """Bring ``host``'s pools (default: this machine's) to their size: drop dead sandboxes, make the missing,
    remove the surplus. ``runtime`` is that host's."""
    host = host or settings.host_name
    done = Refilled()
    pooled = await _pooled(sessions, host)
    await _drop_dead(sessions, runtime, pooled, done)
    wanted = await demand(sessions, settings, host)
    for key, (count, spec) in wanted.items():
        for _ in range(min(count, settings.pool_max) - len(pooled.get(key, []))):
            await _make(sessions, runtime, spec, host)
            done.made[key] += 1
    for key, ids in pooled.items():
        size = min(wanted.get(key, (0, None))[0], settings.pool_max)
        for env_id in await _take(sessions, ids[: max(0, len(ids) - size)]):
            await _remove(runtime, env_id)
            done.removed[key] += 1
    if done.made or done.removed or done.dropped:
        log.info(
            "sandbox.pool_refilled",
            host=host, made=dict(done.made), removed=dict(done.removed), dropped=len(done.dropped),
        )  # fmt: skip
    return done


@jobs.task(name=REFILL_TASK, queue=SANDBOX_QUEUE, pass_context=True)
async def refill_pools(context: JobContext, host: str | None = None) -> None:
    """Refill ``host``'s pools (jobs queued before eval hosts name none: this machine's)."""
    resources = worker_resources(context)
    sandbox, sessions = resources.sandbox, resources.sessions
    host = host or sandbox.settings.host_name
    await refill(sessions, await runtime_on(sandbox, sessions, host), sandbox.settings, host)


@jobs.periodic(cron="* * * * *", periodic_id="sandbox-pool")
@jobs.task(name=TICK_TASK, queue=SANDBOX_QUEUE, pass_context=True)
async def pool_tick(context: JobContext, timestamp: int) -> None:
    """Every minute, a refill per host: pools follow demand down as well as up, and lose what a restart ended.

    This machine's, and those of the eval hosts that answer (a down host's pooled sandboxes wait for it).
    """
    resources = worker_resources(context)
    settings = resources.sandbox.settings
    hosts = [settings.host_name, *await up_hosts(resources.sessions)]
    async with resources.sessions() as session, session.begin():
        for host in hosts:
            pooled = await session.scalar(
                select(func.count()).select_from(PooledSandbox).where(PooledSandbox.host == host)
            )
            if pooled or settings.pool_max > 0:
                await _defer_refill(session, host, 0)
