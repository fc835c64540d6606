"""The docker runtime's exec agent, on a real podman engine: one agent serves command after command, a
learner who kills it loses nothing but that command, and containers without it still run commands.

What an exec does (streams, stdin, timeouts, caps, background processes) is the conformance suite's
(``test_conformance.py``), which the docker runtime passes through the agent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from practica.sandbox import EnvironmentSpec, ExecRequest, create_runtime
from practica.sandbox.docker_agent import AGENT_IN_CONTAINER
from practica.sandbox.docker_runtime import DockerRuntime
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import EndReason
from tests.practica.sandbox.conftest import TEST_LIMITS

COUNT_AGENTS = ["sh", "-c", f"ps -eo args | grep -c '^{AGENT_IN_CONTAINER}' || true"]


async def _docker(settings: SandboxSettings) -> DockerRuntime:
    runtime = create_runtime(settings, "docker")
    assert isinstance(runtime, DockerRuntime)
    return runtime


@pytest.fixture
async def docker_settings(sandbox_settings: SandboxSettings, podman_url: str) -> SandboxSettings:
    return sandbox_settings.model_copy(update={"docker_url": podman_url})


@pytest.fixture
async def docker(docker_settings: SandboxSettings) -> AsyncIterator[DockerRuntime]:
    runtime = await _docker(docker_settings)
    yield runtime
    await runtime.close()


@pytest.fixture
async def env(docker: DockerRuntime) -> AsyncIterator[str]:
    info = await docker.create(EnvironmentSpec(limits=TEST_LIMITS))
    yield info.id
    await docker.remove(info.id)


async def test_one_agent_runs_command_after_command(docker: DockerRuntime, env: str) -> None:
    for number in range(20):
        result = await docker.exec(env, ExecRequest(argv=["sh", "-c", f"echo {number}; exit {number % 3}"]))
        assert (result.exit_code, result.stdout) == (number % 3, f"{number}\n".encode())
    counted = await docker.exec(env, ExecRequest(argv=COUNT_AGENTS))
    assert counted.stdout == b"1\n", "twenty commands, one agent: the same session served them all"


async def test_a_learner_who_kills_the_agent_loses_only_that_command(docker: DockerRuntime, env: str) -> None:
    killed = await docker.exec(env, ExecRequest(argv=["sh", "-c", "kill -9 $PPID; sleep 30"]))
    assert (killed.exit_code, killed.reason) == (137, EndReason.EXITED)
    assert killed.duration < 25, "the command's end was seen when its agent died, not when sleep ended"
    after = await docker.exec(env, ExecRequest(argv=["echo", "after"]))
    assert (after.exit_code, after.stdout) == (0, b"after\n")
    # From a terminal (a TTY exec is a plain engine exec, not the agent's): the idle agent in the pool dies.
    await docker.exec(env, ExecRequest(argv=["pkill", "-9", "-f", f"^{AGENT_IN_CONTAINER}"], tty=True))
    again = await docker.exec(env, ExecRequest(argv=["echo", "again"]))
    assert (again.exit_code, again.stdout) == (0, b"again\n"), "an idle agent killed: the command goes to a new one"


async def test_a_missing_command_exits_127_and_says_so(docker: DockerRuntime, env: str) -> None:
    result = await docker.exec(env, ExecRequest(argv=["no-such-command"]))
    assert (result.exit_code, result.reason) == (127, EndReason.EXITED)
    assert b"no-such-command" in result.stderr


async def test_a_container_made_without_the_agent_runs_commands_by_plain_exec(
    docker_settings: SandboxSettings, docker: DockerRuntime
) -> None:
    plain = await _docker(docker_settings.model_copy(update={"docker_exec_agent": False}))
    info = await plain.create(EnvironmentSpec(limits=TEST_LIMITS))
    try:
        result = await docker.exec(info.id, ExecRequest(argv=["sh", "-c", "echo plain; exit 4"]))
        assert (result.exit_code, result.stdout) == (4, b"plain\n")
        counted = await docker.exec(info.id, ExecRequest(argv=COUNT_AGENTS))
        assert counted.stdout == b"0\n"
    finally:
        await plain.remove(info.id)
        await plain.close()


async def test_no_process_of_the_learner_can_write_into_the_agents_streams(docker: DockerRuntime, env: str) -> None:
    """A check's report channel is its standard output, read by the agent: the agent is not dumpable, so its
    descriptors (the frame stream, the read end of the command's output) cannot be opened through /proc."""
    script = "for fd in /proc/$PPID/fd/*; do echo forged 2>/dev/null > $fd && echo WROTE; done; echo done"
    result = await docker.exec(env, ExecRequest(argv=["sh", "-c", script]))
    assert (result.exit_code, result.stdout) == (0, b"done\n"), result
    after = await docker.exec(env, ExecRequest(argv=["echo", "after"]))
    assert (after.exit_code, after.stdout) == (0, b"after\n")
