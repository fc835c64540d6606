"""What a job finds on the worker that runs it: database sessions and, on an eval host, a sandbox runtime.

Every domain's tasks (environments' lifecycle, checks, authoring's
validation, workspaces' preparation) take these from here, so that none
depends on another domain's tasks module. The worker puts ``sessions`` in
procrastinate's ``additional_context`` (:func:`practica.jobs.worker.worker_context`);
tests put a ``sandbox`` of their own there too, else the runtime is built
once per process from the environment's settings.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from procrastinate import JobContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from practica.sandbox.registry import create_runtime
from practica.sandbox.runtime import Runtime
from practica.sandbox.settings import SandboxSettings
from servicekit.settings import load_settings

Sessions = async_sessionmaker[AsyncSession]


@dataclass
class SandboxWorker:
    """What the jobs need on an eval host: the sandbox settings and one runtime for the whole process."""

    settings: SandboxSettings
    made: Runtime | None = field(default=None)

    def runtime(self) -> Runtime:
        if self.made is None:
            self.made = create_runtime(self.settings)
        return self.made


@functools.cache
def _process_sandbox() -> SandboxWorker:
    return SandboxWorker(load_settings(SandboxSettings))


def worker_resources(context: JobContext) -> tuple[SandboxWorker, Sessions]:
    """The worker's ``additional_context``: ``sessions``, and ``sandbox`` (else one built from the environment)."""
    extra: dict[str, Any] = context.additional_context
    sandbox = extra.get("sandbox")
    return (sandbox if isinstance(sandbox, SandboxWorker) else _process_sandbox()), extra["sessions"]
