"""A trial environment on an engine before it is added: made, asked to run a command, removed.

An engine that answers its API may still be unable to run an environment (no
cgroup controllers, a runtime that fails, a seccomp profile it cannot read):
the trial finds out before any learner is placed there. The trial has
``egress``, so the host's fence around such environments is tried too
(:mod:`practica.sandbox.egress`: a host without ``nft`` is refused). It also pays the
engine's first-container costs (the ``host`` image imported, the container
storage set up, the first TLS connections), which would otherwise fall on
the first learner placed on the new host.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from practica.hosts.engine import EngineError, engine_client
from practica.sandbox.docker_remote import RemoteDockerRuntime
from practica.sandbox.runtime import Runtime, SandboxError
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import EnvironmentSpec, ExecRequest, NetworkAccess

TRIAL_SPEC = EnvironmentSpec(network=NetworkAccess.EGRESS, labels={"purpose": "trial"})
TRIAL_COMMAND = ExecRequest(argv=["sh", "-c", "echo trial-ok"], timeout=30)


async def run_trial(runtime: Runtime, spec: EnvironmentSpec = TRIAL_SPEC) -> float:
    """Seconds to make an environment of ``spec``, run a command in it and remove it; EngineError if any fails."""
    started = time.perf_counter()
    try:
        info = await runtime.create(spec)
    except SandboxError as error:
        raise EngineError(f"the engine could not make a trial environment: {error}") from None
    try:
        result = await runtime.exec(info.id, TRIAL_COMMAND)
    except SandboxError as error:
        raise EngineError(f"the trial environment could not run a command: {error}") from None
    finally:
        await runtime.remove(info.id)
    if result.exit_code != 0 or result.stdout.strip() != b"trial-ok":
        raise EngineError(f"the trial environment ran `echo` with exit code {result.exit_code}: {result.stderr!r}")
    return time.perf_counter() - started


async def trial_on(url: str, cert_dir: Path, settings: SandboxSettings) -> float:
    """:func:`run_trial` on the engine at ``url``, reached with the certificates in ``cert_dir``."""
    client = await asyncio.to_thread(engine_client, url, cert_dir)
    try:
        runtime = await asyncio.to_thread(RemoteDockerRuntime, settings, client)
    except SandboxError as error:
        raise EngineError(f"no trial environment: {error}") from None
    try:
        return await run_trial(runtime)
    finally:
        await runtime.close()
