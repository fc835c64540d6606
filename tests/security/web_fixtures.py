"""Fixtures of the web security tests (tests/security/test_web_*.py): real processes, a real site, real jobs.

Imported by those modules explicitly (``from tests.security.web_fixtures import ...``, fixtures included)
rather than from a shared conftest.py, so that each area's security tests keep fixtures of their own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from practica.sandbox import Runtime
from tests.conftest import cpu_seconds, free_port, remove_home, require_tool
from tests.practica.authoring.site import Site, running_site
from tests.practica.conftest import bwrap_runtime, checks_home

__all__ = ["bwrap_runtime", "checks_home", "site_fixture"]  # fixtures a test module imports

GATEWAY_KEY = "a-gateway-key-for-the-security-tests-0123456789"
SIGNING_KEY = "a-signing-key-shared-by-both-products-in-the-security-tests"
WEB = "http://127.0.0.1:8000"
RULES = Path(__file__).resolve().parents[2] / "chronicles" / "practica-rules.yaml"


@dataclass
class Process:
    """A service started as its own process, and the file its output goes to."""

    url: str
    log: Path
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time the process has used so far: what a request cost it, whatever else the machine is doing."""
        return cpu_seconds(self.pid)

    def text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def service(argv: list[str], env: dict[str, str], port: int, log: Path, ready: str = "/ping") -> Iterator[Process]:
    """``python -m ARGV`` as its own process, once ``ready`` answers 200; stopped (SIGTERM) afterwards."""
    base = f"http://127.0.0.1:{port}"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", *argv], env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 120  # a ceiling for a loaded machine: the loop ends as soon as it can
        while not _answers(base + ready):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{' '.join(argv)} did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)
        yield Process(base, log, process.pid)
    finally:
        process.terminate()
        process.wait(timeout=15)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@contextmanager
def web_process(database_url: str, home: Path, **extra: str) -> Iterator[Process]:
    """``practica web`` on a free port (ready once it serves its OpenAPI schema: no database needed for that)."""
    port = free_port()
    env = {"DATABASE_URL": database_url, "PRACTICA_HOME": str(home), "PRACTICA_PORT": str(port), **extra}
    with service(["practica", "web"], env, port, home / "web.log", ready="/openapi.json") as process:
        yield process


def wait_for_line(process: Process, needle: str, seconds: float = 10) -> str:
    """The log once it holds ``needle`` (lines are written by a thread of their own, a moment later)."""
    deadline = time.monotonic() + seconds
    while needle not in (text := process.text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return text


@pytest.fixture(name="chronicles_process")
def chronicles_process_fixture(chronicles_db_url: str, tmp_path: Path) -> Iterator[Process]:
    """``chronicles serve`` with Practica's tag rules applied, signing viewer tokens with :data:`SIGNING_KEY`."""
    env = {"CHRONICLES_DATABASE_URL": chronicles_db_url, "CHRONICLES_SIGNING_KEY": SIGNING_KEY}
    env["PRACTICA_HOME"] = str(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "chronicles", "apply", str(RULES)], env={**os.environ, **env}, check=True,
        capture_output=True,
    )  # fmt: skip
    port = free_port()
    env["CHRONICLES_PORT"] = str(port)
    with service(["chronicles", "serve"], env, port, tmp_path / "chronicles.log") as process:
        yield process


@pytest.fixture(name="gateway_process")
def gateway_process_fixture(practica_db_url: str, tmp_path: Path) -> Iterator[Process]:
    """``practica gateway`` (bubblewrap runtime, as root) with :data:`GATEWAY_KEY`, for the web app at :data:`WEB`."""
    require_tool(shutil.which("bwrap") is not None and os.geteuid() == 0, "bubblewrap, as root")
    home = Path(tempfile.mkdtemp(prefix="practica-security-gateway-"))
    home.chmod(0o755)
    port = free_port()
    env = {
        "DATABASE_URL": practica_db_url, "PRACTICA_HOME": str(tmp_path), "PRACTICA_SANDBOX_HOME": str(home),
        "PRACTICA_SANDBOX_GATEWAY_KEY": GATEWAY_KEY, "PRACTICA_SANDBOX_GATEWAY_ORIGINS": WEB,
        "PRACTICA_SANDBOX_UID_BASE": str(9_000_000 + (os.getpid() % 1000) * 1000), "PRACTICA_SANDBOX_UID_COUNT": "1000",
        "LOG_LEVEL": "DEBUG",
    }  # fmt: skip
    with service(["practica", "gateway", "--port", str(port)], env, port, tmp_path / "gateway.log") as process:
        yield process
    remove_home(home)


@pytest.fixture(name="site")
async def site_fixture(
    practica_db_url: str, bwrap_runtime: Runtime, checks_home: Path, tmp_path: Path
) -> AsyncIterator[Site]:
    """The web app (in this process) on a fresh database, with jobs run on demand in real bubblewrap."""
    async with running_site(practica_db_url, tmp_path, checks_home, bwrap_runtime) as made:
        yield made


async def upload(client: httpx.AsyncClient, data: bytes) -> httpx.Response:
    return await client.post("/api/authoring/imports", files={"archive": ("course.tar.gz", data, "application/gzip")})
