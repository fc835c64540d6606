"""Environments an eval host still holds that no row places there: what a returning host left behind.

When a host goes down, its learners' environments are made anew on another host under the same ids
(:func:`practica.environments.service.request_environment`). The host, once it answers again, still
holds the old containers and their workspaces: they take its memory and its count of environments, the
placement does not see them, and nothing will ever use them. Each minute the cull removes, on every eval
host that answers, the environments that neither a learner's row nor a pooled sandbox's row places on
that host, once they are older than a grace period (a pooled sandbox is made before its row is written).
An eval host's engine therefore serves one installation: another's environments there would be removed.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import structlog
from sqlalchemy import select, union

from practica.environments.models import LearnerEnvironment, PooledSandbox
from practica.hosts.runtimes import runtime_on, up_hosts
from practica.jobs.resources import SandboxWorker, Sessions

log = structlog.get_logger(__name__)

LEFTOVER_GRACE = timedelta(minutes=10)


async def sweep_leftovers(
    sessions: Sessions, sandbox: SandboxWorker, grace: timedelta = LEFTOVER_GRACE
) -> list[tuple[str, str]]:
    """Remove, on each eval host that answers, what no row places there and is older than ``grace``.

    Returns the (host, environment id) pairs removed.
    """
    removed: list[tuple[str, str]] = []
    cutoff = datetime.now(UTC) - grace
    for host in await up_hosts(sessions):
        runtime = await runtime_on(sandbox, sessions, host)
        held = [info for info in await runtime.list_environments() if info.created_at < cutoff]
        if not held:
            continue
        placed = await _placed_on(sessions, host)
        for info in held:
            if info.id not in placed:
                await runtime.remove(info.id)
                removed.append((host, info.id))
                log.warning("sandbox.leftover_removed", host=host, environment=info.id, created_at=info.created_at)
    return removed


async def _placed_on(sessions: Sessions, host: str) -> set[str]:
    """The ids the database places on ``host``: learners' environments and pooled sandboxes."""
    query = union(
        select(LearnerEnvironment.id).where(LearnerEnvironment.host == host),
        select(PooledSandbox.id).where(PooledSandbox.host == host),
    )
    async with sessions() as session:
        return set(await session.scalars(select(query.subquery().c.id)))
