"""The operator's eval hosts, what each holds, and where a new environment goes.

A host's *reserved* room is what its live environments (starting or
running) and its pooled sandboxes were made with: the spec's memory limit
and one of its count. :func:`place` picks, among the active hosts with room
for one more, the one least full, so that load spreads; it locks the active
hosts' rows until the caller's transaction ends, so two placements at once
cannot both take a host's last room. The caller inserts the environment's
row (with the chosen host) in that same transaction.

This module reads ``learner_environments`` and ``sandbox_pool`` by name, not
through :mod:`practica.environments` (which sits above it and places through
it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import BigInteger, Integer, String, cast, column, delete, func, select, table, union_all
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from practica.errors import PracticaError
from practica.hosts.engine import EngineFacts
from practica.hosts.models import NAME_PATTERN, EvalHost
from practica.sandbox.spec import EnvironmentSpec

LIVE_STATES = ("starting", "running")
_environments = table("learner_environments", column("host", String), column("status", String), column("spec", JSONB))
_pool = table("sandbox_pool", column("host", String), column("spec", JSONB))


class HostError(PracticaError):
    """An operator's request about eval hosts that cannot be done; the sentence says why."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(status, detail)


class NoRoomError(HostError):
    def __init__(self, detail: str) -> None:
        super().__init__(503, detail)


@dataclass(frozen=True)
class HostView:
    """A host as ``practica hosts list`` shows it: its row and what is reserved on it now."""

    name: str
    url: str
    cert_dir: str
    engine: str
    draining: bool
    down_since: datetime | None
    last_seen_at: datetime
    last_error: str | None
    capacity_memory: int
    capacity_count: int
    reserved_memory: int
    reserved_count: int

    @property
    def state(self) -> str:
        if self.down_since is not None:
            return "down"
        return "draining" if self.draining else "active"

    def has_room_for(self, memory: int) -> bool:
        return self.reserved_count + 1 <= self.capacity_count and self.reserved_memory + memory <= self.capacity_memory

    def fullness_with(self, memory: int) -> float:
        """How full the host would be with one more environment: the larger of its memory and count shares."""
        return max(
            (self.reserved_memory + memory) / self.capacity_memory,
            (self.reserved_count + 1) / self.capacity_count,
        )


def check_name(name: str) -> str:
    if not re.fullmatch(NAME_PATTERN, name):
        raise HostError(
            422, f"host name {name!r}: lower-case letters, digits and '-', at most 63, not starting with '-'"
        )
    return name


async def add_host(
    session: AsyncSession,
    name: str,
    url: str,
    cert_dir: Path,
    facts: EngineFacts,
    *,
    capacity_memory: int | None = None,
    capacity_count: int,
) -> HostView:
    """Record a host that answered as ``facts`` say; its memory capacity defaults to the engine's memory.

    ``cert_dir`` is kept as given: pass an absolute path (the workers read it).
    """
    check_name(name)
    if not facts.seccomp:
        raise HostError(
            422,
            f"{name}: the engine at {url} filters no system calls (no seccomp): environments there would "
            "not be confined, and the docker runtime refuses such an engine",
        )
    if await session.get(EvalHost, name) is not None:
        raise HostError(409, f"eval host {name!r} exists (remove it first, or choose another name)")
    memory = capacity_memory or facts.memory
    if memory <= 0:
        raise HostError(422, f"{name}: the engine reports no memory; give --capacity-memory")
    if capacity_count <= 0:
        raise HostError(422, f"{name}: --capacity-count must be at least 1")
    session.add(
        EvalHost(
            name=name,
            url=url,
            cert_dir=str(cert_dir),
            capacity_memory=memory,
            capacity_count=capacity_count,
            engine=facts.engine,
            draining=False,
        )
    )
    await session.flush()
    return await host_view(session, name)


async def list_hosts(session: AsyncSession, *, lock_active: bool = False) -> list[HostView]:
    """Every host by name with its reservations; ``lock_active`` locks the active ones' rows (for placement)."""
    query = select(EvalHost).order_by(EvalHost.name)
    if lock_active:
        query = query.where(EvalHost.draining.is_(False), EvalHost.down_since.is_(None)).with_for_update()
    hosts = (await session.scalars(query.execution_options(populate_existing=True))).all()
    reserved = await _reservations(session, [host.name for host in hosts])
    return [_view(host, *reserved.get(host.name, (0, 0))) for host in hosts]


async def host_view(session: AsyncSession, name: str) -> HostView:
    for view in await list_hosts(session):
        if view.name == name:
            return view
    raise HostError(404, f"no eval host named {name!r} (practica hosts list shows them)")


async def set_draining(session: AsyncSession, name: str, draining: bool) -> HostView:
    host = await _host(session, name)
    host.draining = draining
    await session.flush()
    return await host_view(session, name)


async def remove_host(session: AsyncSession, name: str) -> None:
    """Forget a host that holds no live environment (drain it and let them stop first)."""
    view = await host_view(session, name)
    if view.reserved_count:
        raise HostError(
            409,
            f"eval host {name!r} still holds {view.reserved_count} environment(s) or pooled sandbox(es): "
            "drain it (practica hosts drain) and remove it when they have stopped",
        )
    await session.execute(delete(EvalHost).where(EvalHost.name == name))


async def place(session: AsyncSession, spec: EnvironmentSpec) -> str:
    """The active host with room for ``spec`` that would be least full with it; :class:`NoRoomError` when none."""
    memory = int(spec.limits.memory)
    hosts = await list_hosts(session, lock_active=True)
    fitting = [host for host in hosts if host.has_room_for(memory)]
    if not fitting:
        raise NoRoomError(_no_room(await list_hosts(session), memory))
    return min(fitting, key=lambda host: (host.fullness_with(memory), host.name)).name


def _no_room(hosts: list[HostView], memory: int) -> str:
    if not hosts:
        return "no eval host is registered (practica hosts add)"
    states = "; ".join(
        f"{host.name} {host.state}, {gib(host.reserved_memory)}/{gib(host.capacity_memory)} GiB, "
        f"{host.reserved_count}/{host.capacity_count} environments"
        for host in hosts
    )
    return f"no eval host has room for an environment of {gib(memory)} GiB ({states})"


def gib(size: int) -> str:
    return f"{size / 1024**3:.1f}"


async def _host(session: AsyncSession, name: str) -> EvalHost:
    host = await session.get(EvalHost, name, with_for_update=True)
    if host is None:
        raise HostError(404, f"no eval host named {name!r} (practica hosts list shows them)")
    return host


async def _reservations(session: AsyncSession, names: list[str]) -> dict[str, tuple[int, int]]:
    """Per host: memory reserved (bytes) and how many environments and pooled sandboxes hold it."""
    if not names:
        return {}
    memory = cast(_environments.c.spec["limits"]["memory"].astext, BigInteger)
    live = select(_environments.c.host, memory.label("memory")).where(
        _environments.c.status.in_(LIVE_STATES), _environments.c.host.in_(names)
    )
    pooled_memory = cast(_pool.c.spec["limits"]["memory"].astext, BigInteger)
    pooled = select(_pool.c.host, pooled_memory.label("memory")).where(_pool.c.host.in_(names))
    held = union_all(live, pooled).subquery()
    rows = await session.execute(
        select(held.c.host, func.coalesce(func.sum(held.c.memory), 0), cast(func.count(), Integer)).group_by(
            held.c.host
        )
    )
    return {host: (int(total), int(count)) for host, total, count in rows.all()}


def _view(host: EvalHost, reserved_memory: int, reserved_count: int) -> HostView:
    return HostView(
        name=host.name,
        url=host.url,
        cert_dir=host.cert_dir,
        engine=host.engine,
        draining=host.draining,
        down_since=host.down_since,
        last_seen_at=host.last_seen_at,
        last_error=host.last_error,
        capacity_memory=host.capacity_memory,
        capacity_count=host.capacity_count,
        reserved_memory=reserved_memory,
        reserved_count=reserved_count,
    )
