"""Real bubblewrap runtimes: one for the tests that run lessons' code (checks, validation), one for the
environments' lifecycle jobs and the gateway; and eval hosts (podman in network namespaces, behind TLS)."""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from practica.sandbox import Runtime, create_runtime
from practica.sandbox.settings import SandboxSettings
from tests.conftest import remove_home, require_tool
from tests.eval_hosts import Certificates, EvalHostLab, eval_host, new_certificates


def traversable_home(prefix: str) -> Path:
    """A data directory the environments' uids can traverse (pytest's own tmp dirs are 0700)."""
    home = Path(tempfile.mkdtemp(prefix=prefix))
    home.chmod(0o755)
    return home


@pytest.fixture(scope="session")
def checks_home() -> Iterator[Path]:
    home = traversable_home("practica-checks-test-")
    yield home
    remove_home(home)


@pytest.fixture(scope="session")
async def bwrap_runtime(checks_home: Path) -> AsyncIterator[Runtime]:
    require_tool(shutil.which("bwrap") is not None, "bubblewrap")
    require_tool(os.geteuid() == 0, "root (cgroups, loop mounts, per-environment uids)")
    uid_base = 2_000_000 + (os.getpid() % 1000) * 1000
    runtime = create_runtime(SandboxSettings(home=checks_home, uid_base=uid_base, uid_count=1000), "bwrap")
    yield runtime
    for info in await runtime.list_environments():
        await runtime.remove(info.id)
    await runtime.close()


@pytest.fixture(scope="session")
def bwrap_settings() -> Iterator[SandboxSettings]:
    """A home and uid range of their own for the lifecycle and gateway tests (bwrap only)."""
    home = traversable_home("practica-lifecycle-test-")
    yield SandboxSettings(
        home=home, uid_base=3_000_000 + (os.getpid() % 1000) * 1000, uid_count=1000, host_name="test-host"
    )
    remove_home(home)


@pytest.fixture(scope="session")
async def bwrap(bwrap_settings: SandboxSettings) -> AsyncIterator[Runtime]:
    """The runtime the lifecycle jobs use (one per worker process, as in `practica worker`)."""
    require_tool(shutil.which("bwrap") is not None, "bubblewrap")
    require_tool(os.geteuid() == 0, "root (cgroups, loop mounts, per-environment uids)")
    made = create_runtime(bwrap_settings, "bwrap")
    yield made
    for info in await made.list_environments():
        await made.remove(info.id)
    await made.close()


HOST_LOAD_LOCK = Path(tempfile.gettempdir()) / "practica-tests-host-load.lock"


@pytest.fixture
def host_load() -> Iterator[None]:
    """One test at a time (across pytest's workers) whose outcome depends on how busy the host is.

    Tests that start a CPU hog, and the test that a learner's busy loop is judged its own fault, hold it:
    two hogs at once would give that loop less than the quarter of a core its verdict rests on.
    """
    with HOST_LOAD_LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture
def certificates() -> Certificates:
    return new_certificates()


@pytest.fixture
def client_certs(certificates: Certificates, tmp_path: Path) -> Path:
    """What the platform's workers hold: the CA of the engines, and a client certificate they accept."""
    return certificates.client_dir(tmp_path / "client")


@pytest.fixture
def two_hosts(certificates: Certificates) -> Iterator[tuple[EvalHostLab, EvalHostLab]]:
    tools = [tool for tool in ("ip", "podman", "runc", "haproxy") if shutil.which(tool) is None]
    require_tool(not tools and os.geteuid() == 0, f"root, ip, podman, runc and haproxy (missing: {tools})")
    with eval_host("a", certificates) as first, eval_host("b", certificates) as second:
        yield first, second


@pytest.fixture
def ssh_host(certificates: Certificates) -> Iterator[EvalHostLab]:
    """One eval host whose engine is also reached over SSH (ssh_url, ssh_dir)."""
    needed = ("ip", "podman", "runc", "haproxy", "ssh", "/usr/sbin/sshd")
    tools = [tool for tool in needed if shutil.which(tool) is None]
    require_tool(not tools and os.geteuid() == 0, f"root, ip, podman, runc, haproxy, ssh and sshd (missing: {tools})")
    with eval_host("s", certificates, ssh=True) as lab:
        yield lab
