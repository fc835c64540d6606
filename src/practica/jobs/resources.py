"""What a job finds on the worker that runs it: settings, database sessions and, on an eval host, a sandbox runtime.

Every domain's tasks (environments' lifecycle, checks, authoring's
validation, workspaces' preparation, mail, the events relay) take these from
here, so that none depends on another domain's tasks module. The worker
builds one :class:`WorkerResources` (:func:`practica.jobs.worker.run_worker`)
and puts it in procrastinate's ``additional_context``; tests build their own,
often with a sandbox runtime of their choosing. Nothing is kept in a module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from procrastinate import JobContext
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from practica.sandbox.registry import create_runtime
from practica.sandbox.runtime import Runtime
from practica.sandbox.settings import SandboxSettings
from practica.settings import PracticaSettings
from servicekit.database import make_sessionmaker
from servicekit.settings import load_settings

Sessions = async_sessionmaker[AsyncSession]
CONTEXT_KEY = "resources"


@dataclass
class SandboxWorker:
    """What the jobs need on an eval host: the sandbox settings and one runtime for the whole worker."""

    settings: SandboxSettings
    made: Runtime | None = field(default=None)
    remote: dict[str, Runtime] = field(default_factory=dict)  # per eval host (practica.hosts.runtimes)

    def runtime(self) -> Runtime:
        if self.made is None:
            self.made = create_runtime(self.settings)
        return self.made

    async def close_remote(self) -> None:
        """Close the eval hosts' runtimes (their engine connections); the next use makes them again."""
        while self.remote:
            _host, runtime = self.remote.popitem()
            await runtime.close()


@dataclass
class WorkerResources:
    """Everything a worker process shares between its jobs."""

    settings: PracticaSettings
    engine: AsyncEngine
    sessions: Sessions
    sandbox: SandboxWorker

    def context(self) -> dict[str, Any]:
        """Procrastinate's ``additional_context`` carrying these resources."""
        return {CONTEXT_KEY: self}


def worker_resources_for(
    settings: PracticaSettings, engine: AsyncEngine, sandbox: SandboxWorker | None = None
) -> WorkerResources:
    """The resources of a worker on ``engine``; the sandbox runtime from the environment's settings unless given."""
    chosen = sandbox if sandbox is not None else SandboxWorker(load_settings(SandboxSettings))
    return WorkerResources(settings, engine, make_sessionmaker(engine), chosen)


def worker_resources(context: JobContext) -> WorkerResources:
    """The resources the worker running this job put in its ``additional_context``."""
    found = context.additional_context.get(CONTEXT_KEY)
    if not isinstance(found, WorkerResources):
        raise RuntimeError("this job runs on a worker without WorkerResources in its additional_context")
    return found
