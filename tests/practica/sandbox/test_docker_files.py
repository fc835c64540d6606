"""The docker runtime's file operations through the exec agent: the learner's own rights, large files whole.

What the file operations mean (paths, symlinks, versions, listing) is the
conformance suite's, which the docker runtime passes through the agent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from practica.sandbox import EnvironmentSpec, ExecRequest, create_runtime
from practica.sandbox.docker_runtime import DockerRuntime
from practica.sandbox.files import version_of
from practica.sandbox.runtime import PathRefusedError
from practica.sandbox.settings import SandboxSettings
from tests.practica.sandbox.conftest import TEST_LIMITS

MAX_READ = 4 * 1024**2


@pytest.fixture
async def docker(sandbox_settings: SandboxSettings, podman_url: str) -> AsyncIterator[DockerRuntime]:
    settings = sandbox_settings.model_copy(update={"docker_url": podman_url, "max_file_read": MAX_READ})
    runtime = create_runtime(settings, "docker")
    assert isinstance(runtime, DockerRuntime)
    yield runtime
    await runtime.close()


@pytest.fixture
async def env(docker: DockerRuntime) -> AsyncIterator[str]:
    info = await docker.create(EnvironmentSpec(limits=TEST_LIMITS))
    yield info.id
    await docker.remove(info.id)


async def test_the_file_api_has_no_more_rights_than_the_learner(docker: DockerRuntime, env: str) -> None:
    await docker.exec(env, ExecRequest(argv=["sh", "-c", "mkdir locked && echo kept > locked/old && chmod 555 locked"]))

    with pytest.raises(PathRefusedError, match=r"'locked/new' cannot be written safely: permission denied"):
        await docker.write_file(env, "locked/new", b"x")
    with pytest.raises(PathRefusedError, match="permission denied"):
        await docker.delete_file(env, "locked/old")
    assert await docker.read_file(env, "locked/old") == b"kept\n"


async def test_a_file_up_to_the_read_limit_goes_both_ways_whole(docker: DockerRuntime, env: str) -> None:
    data = bytes(range(256)) * (MAX_READ // 256)

    version = await docker.write_file(env, "big.bin", data)

    assert version == version_of(data)
    assert await docker.read_file(env, "big.bin") == data
    listed = await docker.exec(env, ExecRequest(argv=["sha256sum", "big.bin"]))
    assert listed.stdout.split()[0].decode() == version, "the learner's shell sees the same bytes"

    await docker.exec(env, ExecRequest(argv=["sh", "-c", "head -c 1 /dev/zero >> big.bin"]))
    with pytest.raises(PathRefusedError, match=f"'big.bin' is larger than {MAX_READ} bytes"):
        await docker.read_file(env, "big.bin")


async def test_file_operations_outlive_a_killed_agent(docker: DockerRuntime, env: str) -> None:
    await docker.write_file(env, "a.txt", b"one")
    await docker.exec(env, ExecRequest(argv=["pkill", "-9", "-f", "^/.practica/exec-agent"], tty=True))

    assert await docker.read_file(env, "a.txt") == b"one"
    assert [entry.name for entry in await docker.list_files(env)] == ["a.txt"]
