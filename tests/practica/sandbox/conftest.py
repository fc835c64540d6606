"""Fixtures: every real runtime (bwrap on this host, docker through a podman service the fixture starts)."""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import uvicorn
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from practica.jobs.queue import connected, jobs
from practica.jobs.worker import worker_context
from practica.sandbox import EnvironmentSpec, NetworkAccess, ResourceLimits, Runtime, create_runtime
from practica.sandbox.gateway import GatewayAction, create_gateway_app, issue_gateway_token
from practica.sandbox.models import LearnerEnvironment
from practica.sandbox.service import request_environment
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.tasks import SandboxWorker
from practica.settings import PracticaSettings
from tests.conftest import free_port, require_tool

RUNTIMES = ["bwrap", "docker"]
TEST_LIMITS = ResourceLimits(memory="256m", pids=128, disk="64m", output="256k", wall_timeout=20)


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

    async def make(network: NetworkAccess = NetworkAccess.NONE, environment: str = "host", **limits: object) -> str:
        merged = ResourceLimits.model_validate({**TEST_LIMITS.model_dump(), **limits})
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


@pytest.fixture(scope="session")
def bwrap_settings() -> Iterator[SandboxSettings]:
    """A home and uid range of their own for the lifecycle and gateway tests (bwrap only)."""
    home = Path(tempfile.mkdtemp(prefix="practica-lifecycle-test-"))
    home.chmod(0o755)
    yield SandboxSettings(
        home=home, uid_base=3_000_000 + (os.getpid() % 1000) * 1000, uid_count=1000, host_name="test-host"
    )
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
async def bwrap(bwrap_settings: SandboxSettings) -> AsyncIterator[Runtime]:
    """The runtime the lifecycle jobs use (one per worker process, as in `practica worker`)."""
    require_tool(shutil.which("bwrap") is not None, "bubblewrap")
    require_root()
    made = create_runtime(bwrap_settings, "bwrap")
    yield made
    for info in await made.list_environments():
        await made.remove(info.id)
    await made.close()


@dataclass
class GatewayServer:
    """A real gateway (uvicorn on a free port) for the environments of ``bwrap_settings``."""

    url: str
    settings: SandboxSettings
    activity: list[str]

    def token(
        self, env_id: str, ttl: float = 60, actions: tuple[GatewayAction, ...] = tuple(GatewayAction), age: float = 0
    ) -> str:
        issued = datetime.now(UTC) - timedelta(seconds=age)
        return issue_gateway_token(self.settings, "learner-7", env_id, timedelta(seconds=ttl), actions, issued)

    def ws(self, env_id: str, token: str | None = None, **query: object) -> str:
        params = urlencode({"token": token or self.token(env_id), **query})
        return f"{self.url.replace('http', 'ws', 1)}/environments/{env_id}/terminal?{params}"


@pytest.fixture(scope="session")
async def gateway(bwrap: Runtime, bwrap_settings: SandboxSettings) -> AsyncIterator[GatewayServer]:
    """Its own runtime object, as the gateway process has; a short grace so that expiry can be seen."""
    settings = bwrap_settings.model_copy(update={"terminal_grace": timedelta(seconds=2)})
    runtime = create_runtime(settings, "bwrap")
    seen: list[str] = []

    async def record(env_id: str) -> None:
        seen.append(env_id)

    app = create_gateway_app(settings, runtime, record)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False, server_header=False)
    )
    serving = asyncio.create_task(server.serve())
    while not server.started:
        assert not serving.done(), "the gateway did not start"
        await asyncio.sleep(0.02)
    yield GatewayServer(f"http://127.0.0.1:{port}", settings, seen)
    server.should_exit = True
    await serving
    await runtime.close()


@pytest.fixture
async def published_env(bwrap: Runtime) -> AsyncIterator[str]:
    """A running environment (started by the jobs' runtime) publishing ports 8080 and 8081."""
    info = await bwrap.create(EnvironmentSpec(limits=TEST_LIMITS, published_ports=(8080, 8081)))
    yield info.id
    await bwrap.remove(info.id)


SPEC = EnvironmentSpec(limits=TEST_LIMITS)


@dataclass
class Platform:
    """A fresh database, its sessions, and a way to run the sandbox queue with a real worker."""

    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    context: dict[str, object]
    runtime: Runtime

    async def run_jobs(self) -> None:
        async with connected(jobs, self.url):
            await jobs.run_worker_async(
                wait=False, queues=["sandbox"], install_signal_handlers=False, additional_context=self.context
            )

    async def row(self, env_id: str) -> LearnerEnvironment:
        async with self.sessions() as session:
            found = await session.get(LearnerEnvironment, env_id)
            assert found is not None
            return found

    @property
    def settings(self) -> SandboxSettings:
        sandbox = self.context["sandbox"]
        assert isinstance(sandbox, SandboxWorker)
        return sandbox.settings

    async def request(self, owner: str = "7", lesson: str = "py-1", spec: EnvironmentSpec = SPEC) -> str:
        async with self.sessions() as session, session.begin():
            row = await request_environment(session, owner, lesson, spec, settings=self.settings)
            return row.id

    async def sql(self, statement: str, **params: object) -> None:
        async with self.sessions() as session, session.begin():
            await session.execute(text(statement), params)


@pytest.fixture
async def platform(
    practica_db_url: str, bwrap: Runtime, bwrap_settings: SandboxSettings, tmp_path: Path
) -> AsyncIterator[Platform]:
    engine = create_async_engine(practica_db_url)
    settings = PracticaSettings(database_url=practica_db_url, practica_home=tmp_path)
    context = {**worker_context(settings, engine), "sandbox": SandboxWorker(bwrap_settings, bwrap)}
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    yield Platform(practica_db_url, engine, sessions, context, bwrap)
    await engine.dispose()
