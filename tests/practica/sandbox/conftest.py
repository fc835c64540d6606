"""Fixtures: every real runtime (bwrap on this host, docker through a podman service the fixture starts)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest

from practica.sandbox import EnvironmentSpec, Limits, NetworkPolicy, Runtime, create_runtime
from practica.sandbox.settings import SandboxSettings
from tests.conftest import require_tool

RUNTIMES = ["bwrap", "docker"]
TEST_LIMITS = Limits(memory="256m", pids=128, disk="64m", output="256k", wall_timeout=20)


def require_root() -> None:
    require_tool(os.geteuid() == 0, "root (cgroups, loop mounts, per-environment uids)")


@pytest.fixture(scope="session")
def sandbox_home() -> Iterator[Path]:
    """A data directory the environments' uids can traverse (pytest's own tmp dirs are 0700)."""
    home = Path(tempfile.mkdtemp(prefix="practica-sandbox-test-"))
    home.chmod(0o755)
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def sandbox_settings(sandbox_home: Path) -> SandboxSettings:
    # Each pytest worker has its own home, so its own uid range: two environments never share a uid.
    uid_base = 1_000_000 + (os.getpid() % 1000) * 1000
    return SandboxSettings(
        home=sandbox_home,
        environments_dir=Path(__file__).parents[3] / "environments",
        uid_base=uid_base,
        uid_count=1000,
    )


@pytest.fixture(scope="session")
def podman_url(sandbox_home: Path) -> Iterator[str]:
    from practica.sandbox.podman import PodmanService

    require_tool(shutil.which("podman") is not None and shutil.which("runc") is not None, "podman and runc")
    require_root()
    with PodmanService(sandbox_home / "podman") as service:
        yield service.url


@pytest.fixture(scope="session", params=RUNTIMES)
async def runtime(request: pytest.FixtureRequest, sandbox_settings: SandboxSettings) -> AsyncIterator[Runtime]:
    name = request.param
    settings = sandbox_settings
    if name == "docker":
        settings = sandbox_settings.model_copy(update={"docker_url": request.getfixturevalue("podman_url")})
    else:
        require_tool(shutil.which("bwrap") is not None, "bubblewrap")
        require_root()
    made = create_runtime(settings, name)
    yield made
    for info in await made.list_environments():
        await made.remove(info.id)
    await made.close()


EnvFactory = Callable[..., Awaitable[str]]


@pytest.fixture
async def make_env(runtime: Runtime) -> AsyncIterator[EnvFactory]:
    """Create environments (removed after the test): ``await make_env(network=..., memory=...)``."""
    made: list[str] = []

    async def make(network: NetworkPolicy = NetworkPolicy.NONE, environment: str = "host", **limits: object) -> str:
        merged = Limits.model_validate({**TEST_LIMITS.model_dump(), **limits})
        spec = EnvironmentSpec(environment=environment, network=network, limits=merged)
        info = await runtime.create(spec)
        made.append(info.id)
        return info.id

    yield make
    for env_id in made:
        await runtime.remove(env_id)


@pytest.fixture
async def env(make_env: EnvFactory) -> str:
    return await make_env()
