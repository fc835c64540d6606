"""``practica env exec`` and ``practica env build``, run as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from practica.sandbox import EnvironmentSpec, ExecRequest, ImageMissingError, Runtime
from practica.sandbox.build import build_rootfs, is_current
from practica.sandbox.docker_images import import_rootfs
from practica.sandbox.environments import EnvironmentDefinition
from practica.sandbox.settings import SandboxSettings
from tests.practica.sandbox.conftest import require_root

pytestmark = pytest.mark.sandbox


def practica(home: Path, *argv: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PRACTICA_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "practica", *argv], capture_output=True, env=env, timeout=120)


def test_env_exec_streams_output_and_exits_with_the_command_code(sandbox_home: Path) -> None:
    require_root()
    result = practica(sandbox_home, "env", "exec", "host", "--", "sh", "-c", "echo out; echo err >&2; exit 7")
    assert result.returncode == 7
    assert result.stdout == b"out\n"
    assert result.stderr.startswith(b"err\n")
    assert b"practica: exit 7 (exited)" in result.stderr


def test_env_exec_names_the_timeout(sandbox_home: Path) -> None:
    require_root()
    result = practica(sandbox_home, "env", "exec", "host", "--timeout", "1", "--memory", "128m", "--", "sleep", "30")
    assert result.returncode == 137
    assert b"(timeout)" in result.stderr


def test_env_exec_of_an_unbuilt_environment_says_how_to_build_it(sandbox_home: Path) -> None:
    require_root()
    result = practica(sandbox_home, "env", "exec", "nosuchenv", "--", "true")
    assert result.returncode == 125
    assert b"practica env build nosuchenv" in result.stderr


@pytest.fixture(scope="module")
async def minimal(sandbox_settings: SandboxSettings, runtime: Runtime) -> str:
    """A real debootstrap build (minbase, no extra packages), for bwrap and imported for docker."""
    definition = EnvironmentDefinition(name="minimal", description="Debian minbase")
    if not is_current(sandbox_settings, definition):
        require_root()
        await build_rootfs(sandbox_settings, definition, lambda _line: None)
    if runtime.name == "docker":  # this machine's engine, or an eval host's (through the runtime's own client)
        import_rootfs(runtime.client, sandbox_settings.images_home / "minimal" / "rootfs", "minimal")  # type: ignore[attr-defined]
    return "minimal"


async def test_a_built_environment_runs_its_own_root_file_system(runtime: Runtime, minimal: str) -> None:
    info = await runtime.create(EnvironmentSpec(environment=minimal))
    try:
        result = await runtime.exec(
            info.id,
            ExecRequest(argv=["sh", "-c", "cat /etc/debian_version; command -v python3 || echo none; touch /etc/x"]),
        )
        lines = result.stdout.decode().split()
        assert lines[0][:2].isdigit()
        assert lines[1] == "none", "the host's /usr leaked into a built environment"
        assert b"Read-only file system" in result.stderr
    finally:
        await runtime.remove(info.id)


async def test_an_unbuilt_environment_is_refused_before_anything_is_made(runtime: Runtime) -> None:
    before = await runtime.list_environments()
    with pytest.raises(ImageMissingError):
        await runtime.create(EnvironmentSpec(environment="neverbuilt"))
    assert await runtime.list_environments() == before
