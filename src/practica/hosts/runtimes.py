"""Which runtime drives an environment: this machine's, or the one of the eval host it was placed on.

A row of ``learner_environments`` names its host. The machine's own name
(``PRACTICA_SANDBOX_HOST_NAME``) means the configured runtime here (bwrap by
default); a registered eval host's name means the docker runtime on that
host's engine (:class:`~practica.sandbox.docker_remote.RemoteDockerRuntime`),
made on first use and kept for the process. Nothing else is needed to reach
an environment on any host: its record lives in the engine.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from contextlib import aclosing
from pathlib import Path

import structlog
from sqlalchemy import String, column, exists, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from practica.hosts.engine import engine_client
from practica.hosts.models import EvalHost
from practica.hosts.registry import HostError
from practica.jobs.resources import SandboxWorker, Sessions
from practica.sandbox.docker_remote import RemoteDockerRuntime
from practica.sandbox.runtime import OutputCallback, Runtime, Terminal
from practica.sandbox.spec import (
    EnvironmentInfo,
    EnvironmentSpec,
    ExecRequest,
    ExecResult,
    FileChange,
    FileEntry,
    Usage,
)

log = structlog.get_logger(__name__)
WARM_INTERVAL_S = 5.0  # how soon a process has made the runtime of a newly added host


async def runtime_on(sandbox: SandboxWorker, sessions: Sessions, host: str) -> Runtime:
    """The runtime of ``host`` for this process; :class:`HostError` when no such host is registered."""
    if host == sandbox.settings.host_name:
        return sandbox.runtime()
    made = sandbox.remote.get(host)
    if made is not None:
        return made
    async with sessions() as session:
        found = await session.get(EvalHost, host)
    if found is None:
        raise HostError(404, f"no eval host named {host!r}: its environments cannot be reached (practica hosts list)")
    made = await asyncio.to_thread(_remote_runtime, sandbox, found.url, Path(found.cert_dir))
    kept = sandbox.remote.setdefault(host, made)
    if kept is not made:  # another request made it meanwhile: one runtime (one SSH tunnel) per host
        await made.close()
    return kept


def _remote_runtime(sandbox: SandboxWorker, url: str, cert_dir: Path) -> Runtime:
    """The docker runtime on the engine at ``url`` (blocking: over SSH its tunnel is opened first)."""
    client = engine_client(url, cert_dir)
    try:
        return RemoteDockerRuntime(sandbox.settings, client)
    except BaseException:
        client.close()
        raise


async def warm_runtimes(sandbox: SandboxWorker, sessions: Sessions) -> list[str]:
    """Make this process's runtime of each eval host that answers, where not made yet; the hosts made now.

    A runtime's making talks to its engine (version, security options) and the first request opens its
    TLS connection: about a second, which otherwise fell on the first learner placed on a new host (the
    worker's start of their environment, the gateway's first file listing and terminal). A host that fails
    here is logged and tried again on the next call; its requests fail then as they would have.
    """
    made: list[str] = []
    for host in await up_hosts(sessions):
        if host in sandbox.remote:
            continue
        try:
            await (await runtime_on(sandbox, sessions, host)).list_environments()
        except Exception as error:  # a warm-up: whatever went wrong here, the request path meets too
            log.warning("hosts.warm_up_failed", host=host, error=str(error))
            continue
        made.append(host)
    return made


async def keep_runtimes_warm(sandbox: SandboxWorker, sessions: Sessions, every: float = WARM_INTERVAL_S) -> None:
    """:func:`warm_runtimes` now and every ``every`` seconds, until cancelled (a host added meanwhile is made)."""
    while True:
        try:
            await warm_runtimes(sandbox, sessions)
        except Exception as error:  # the database away: the requests meet it too; try again later
            log.warning("hosts.warm_up_failed", error=str(error))
        await asyncio.sleep(every)


async def hosts_registered(session: AsyncSession) -> bool:
    """Whether any eval host is registered: then new environments go to them, not to this machine."""
    return bool(await session.scalar(select(exists().where(EvalHost.name.is_not(None)))))


async def active_hosts(session: AsyncSession) -> list[str]:
    """The eval hosts that take new environments (neither draining nor down), by name."""
    query = select(EvalHost.name).where(EvalHost.draining.is_(False), EvalHost.down_since.is_(None))
    return list(await session.scalars(query.order_by(EvalHost.name)))


async def is_usable(session: AsyncSession, host: str, local: str) -> bool:
    """Whether an environment on ``host`` can be used again there: this machine, or a registered host up."""
    if host == local:
        return True
    found = await session.get(EvalHost, host)
    return found is not None and found.down_since is None


async def up_hosts(sessions: Sessions) -> list[str]:
    """The registered eval hosts not marked down, by name."""
    async with sessions() as session:
        return list(
            await session.scalars(select(EvalHost.name).where(EvalHost.down_since.is_(None)).order_by(EvalHost.name))
        )


_environments = table("learner_environments", column("id", String), column("host", String))


class RuntimeByHost:
    """A :class:`Runtime` for a process that serves environments of every host (the gateway).

    Each call about an environment goes to the runtime of the host its row
    names, looked up at each call (an environment moves when its host goes
    down); an environment without a row (a pooled sandbox), or on a host
    that is not a registered eval host, is this machine's (as when the
    gateway ran beside each worker, whatever name its rows were given).
    """

    def __init__(self, sandbox: SandboxWorker, sessions: Sessions) -> None:
        self.sandbox = sandbox
        self.sessions = sessions
        self.name = sandbox.runtime().name

    async def _of(self, env_id: str) -> Runtime:
        async with self.sessions() as session:
            host = await session.scalar(select(_environments.c.host).where(_environments.c.id == env_id))
        if host is None:
            return self.sandbox.runtime()
        try:
            return await runtime_on(self.sandbox, self.sessions, host)
        except HostError:  # not an eval host: a machine of the single-machine set-up, this one
            return self.sandbox.runtime()

    async def create(self, spec: EnvironmentSpec, env_id: str | None = None) -> EnvironmentInfo:
        return await self.sandbox.runtime().create(spec, env_id)

    async def list_environments(self) -> list[EnvironmentInfo]:
        return await self.sandbox.runtime().list_environments()

    async def get(self, env_id: str) -> EnvironmentInfo:
        return await (await self._of(env_id)).get(env_id)

    async def exec(self, env_id: str, request: ExecRequest, on_output: OutputCallback | None = None) -> ExecResult:
        return await (await self._of(env_id)).exec(env_id, request, on_output)

    async def read_file(self, env_id: str, path: str) -> bytes:
        return await (await self._of(env_id)).read_file(env_id, path)

    async def write_file(
        self, env_id: str, path: str, data: bytes, mode: int = 0o644, *, if_match: str | None = None,
        create_only: bool = False,
    ) -> str:  # fmt: skip
        runtime = await self._of(env_id)
        return await runtime.write_file(env_id, path, data, mode, if_match=if_match, create_only=create_only)

    async def watch_files(self, env_id: str) -> AsyncGenerator[list[FileChange]]:
        async with aclosing((await self._of(env_id)).watch_files(env_id)) as changes:
            async for batch in changes:
                yield batch

    async def list_files(self, env_id: str, path: str = ".") -> list[FileEntry]:
        return await (await self._of(env_id)).list_files(env_id, path)

    async def delete_file(self, env_id: str, path: str) -> None:
        await (await self._of(env_id)).delete_file(env_id, path)

    async def rename_file(self, env_id: str, source: str, target: str) -> None:
        await (await self._of(env_id)).rename_file(env_id, source, target)

    async def open_terminal(self, env_id: str, cols: int = 80, rows: int = 24) -> Terminal:
        return await (await self._of(env_id)).open_terminal(env_id, cols, rows)

    async def connect_port(self, env_id: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await (await self._of(env_id)).connect_port(env_id, port)

    async def usage(self, env_id: str) -> Usage:
        return await (await self._of(env_id)).usage(env_id)

    async def stop(self, env_id: str) -> EnvironmentInfo:
        return await (await self._of(env_id)).stop(env_id)

    async def resume(self, env_id: str) -> EnvironmentInfo:
        return await (await self._of(env_id)).resume(env_id)

    async def remove(self, env_id: str) -> None:
        await (await self._of(env_id)).remove(env_id)

    async def close(self) -> None:
        await self.sandbox.close_remote()
        await self.sandbox.runtime().close()
