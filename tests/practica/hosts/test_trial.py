"""The trial environment ``practica hosts add`` runs on an engine before adding it, on a real eval host."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from practica.hosts.engine import EngineError, engine_client
from practica.hosts.trial import run_trial
from practica.sandbox.docker_remote import RemoteDockerRuntime
from practica.sandbox.egress import NET_KEEPER
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import EnvironmentSpec, ResourceLimits
from tests.eval_hosts import EvalHostLab, net_keeper_without_rights


@pytest.fixture
async def engine_runtime(
    two_hosts: tuple[EvalHostLab, EvalHostLab], client_certs: Path
) -> AsyncIterator[RemoteDockerRuntime]:
    runtime = RemoteDockerRuntime(SandboxSettings(), engine_client(two_hosts[0].url, client_certs))
    yield runtime
    await runtime.close()


async def test_a_trial_makes_uses_and_removes_an_environment(engine_runtime: RemoteDockerRuntime) -> None:
    seconds = await run_trial(engine_runtime)

    assert seconds > 0
    assert await engine_runtime.list_environments() == []
    assert engine_runtime.client.containers.get(NET_KEEPER).status == "running"  # the egress fence was tried


async def test_a_host_that_cannot_fence_egress_fails_the_trial_and_keeps_nothing(
    engine_runtime: RemoteDockerRuntime,
) -> None:
    refused = pytest.raises(EngineError, match=r"could not make a trial environment: .*could not fence")
    with net_keeper_without_rights(engine_runtime.client), refused:
        await run_trial(engine_runtime)
    assert await engine_runtime.list_environments() == []


async def test_an_engine_that_cannot_make_the_environment_fails_the_trial_and_keeps_nothing(
    engine_runtime: RemoteDockerRuntime,
) -> None:
    unstartable = EnvironmentSpec(limits=ResourceLimits(memory="4m"))  # below what the container runtime allows

    with pytest.raises(EngineError, match="could not make a trial environment"):
        await run_trial(engine_runtime, unstartable)

    assert await engine_runtime.list_environments() == []
