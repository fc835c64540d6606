"""Fixtures: every real runtime (bwrap on this host, docker through a podman service the fixture starts)."""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import pytest
import uvicorn

from practica.sandbox import EnvironmentSpec, NetworkAccess, ResourceLimits, Runtime, create_runtime
from practica.sandbox.gateway import GatewayAction, create_gateway_app, issue_gateway_token
from practica.sandbox.settings import SandboxSettings
from tests.conftest import free_port, require_tool

if TYPE_CHECKING:
    from tests.eval_hosts import EvalHostLab

RUNTIMES = ["bwrap", "docker", "controller", "remote"]
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


@pytest.fixture(scope="session")
def remote_lab(sandbox_home: Path) -> Iterator[tuple[EvalHostLab, Path]]:
    """An eval host: podman in a network namespace of its own, behind TLS (tests/eval_hosts.py); and client certs."""
    from tests.eval_hosts import eval_host, new_certificates

    tools = [tool for tool in ("ip", "podman", "runc", "haproxy") if shutil.which(tool) is None]
    require_tool(not tools and os.geteuid() == 0, f"root, ip, podman, runc and haproxy (missing: {tools})")
    certificates = new_certificates()
    with eval_host("r", certificates) as lab:
        yield lab, certificates.client_dir(sandbox_home / "remote-client")


@pytest.fixture(scope="session")
def remote_engine(remote_lab: tuple[EvalHostLab, Path]) -> Iterator[object]:
    """A client of :func:`remote_lab`'s engine."""
    from practica.hosts.engine import engine_client

    lab, client_dir = remote_lab
    client = engine_client(lab.url, client_dir)
    yield client
    client.close()


@pytest.fixture
def internet_listener() -> Iterator[tuple[str, int]]:
    """A TCP service at an address of no private range, standing for a machine on the internet.

    The address (TEST-NET-2, kept for examples) is added to this machine's loopback for the test: an
    environment reaches it as it would any other public address, through its engine's egress.
    """
    used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True, check=True).stdout
    address = next(f"198.51.100.{n}" for n in random.sample(range(1, 255), 254) if f"198.51.100.{n}/" not in used)
    require_root()
    subprocess.run(["ip", "addr", "add", f"{address}/32", "dev", "lo"], check=True)
    try:
        with socket.create_server((address, 0)) as server:
            yield address, server.getsockname()[1]
    finally:
        subprocess.run(["ip", "addr", "del", f"{address}/32", "dev", "lo"], check=False)


@pytest.fixture(scope="session", params=RUNTIMES)
async def runtime(request: pytest.FixtureRequest, sandbox_settings: SandboxSettings) -> AsyncIterator[Runtime]:
    name = request.param
    settings = sandbox_settings
    if name == "remote":
        from practica.sandbox.docker_remote import RemoteDockerRuntime

        made: Runtime = RemoteDockerRuntime(sandbox_settings, request.getfixturevalue("remote_engine"))
        yield made
        for info in await made.list_environments():
            await made.remove(info.id)
        await made.close()
        return
    if name == "docker":
        settings = sandbox_settings.model_copy(update={"docker_url": request.getfixturevalue("podman_url")})
    else:
        require_tool(shutil.which("bwrap") is not None, "bubblewrap")
        require_root()
    if name == "controller":  # bwrap, driven by a real `practica sandbox-controller` process
        controller = request.getfixturevalue("sandbox_controller")
        settings, name = sandbox_settings.model_copy(update={"controller": controller}), "bwrap"
    made = create_runtime(settings, name)
    yield made
    for info in await made.list_environments():
        await made.remove(info.id)
    await made.close()


def controller_environment(settings: SandboxSettings) -> dict[str, str]:
    """The variables that give a controller process ``settings``."""
    return {
        "PRACTICA_SANDBOX_HOME": str(settings.home),
        "PRACTICA_SANDBOX_ENVIRONMENTS_DIR": str(settings.environments_dir),
        "PRACTICA_SANDBOX_UID_BASE": str(settings.uid_base),
        "PRACTICA_SANDBOX_UID_COUNT": str(settings.uid_count),
    }


@contextmanager
def running_controller(settings: SandboxSettings, socket_path: Path, *extra: str) -> Iterator[Path]:
    """A real ``practica sandbox-controller`` process on ``socket_path`` (its log beside it)."""
    argv = [sys.executable, "-m", "practica", "sandbox-controller", "--socket", str(socket_path), *extra]
    log = socket_path.parent.with_suffix(".log")
    socket_path.unlink(missing_ok=True)
    with log.open("ab") as output:
        process = subprocess.Popen(
            argv, env={**os.environ, **controller_environment(settings)}, stdout=output, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while not socket_path.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the sandbox controller did not start: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.05)
    try:
        yield socket_path
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="session")
def sandbox_controller(sandbox_settings: SandboxSettings) -> Iterator[Path]:
    with running_controller(sandbox_settings, sandbox_settings.home / "run" / "sandbox.sock") as path:
        yield path


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
