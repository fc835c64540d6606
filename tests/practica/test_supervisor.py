"""``practica up`` (what ``make run`` starts), run as a user runs it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import open_database_to_services, remove_home
from tests.practica.conftest import traversable_home


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "practica", "up"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_for_ping(url: str, process: subprocess.Popen[str], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{url} did not answer 200 within {timeout} s")


def interrupt(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=30)
    return output


def run_and_stop(env: dict[str, str], while_running: Callable[[], None] = lambda: None) -> str:
    practica_port, chronicles_port = free_port(), free_port()
    ports = {
        "PRACTICA_PORT": practica_port,
        "CHRONICLES_PORT": chronicles_port,
        "PRACTICA_SANDBOX_GATEWAY_PORT": free_port(),
    }
    process = start({**env, **{name: str(port) for name, port in ports.items()}})
    try:
        wait_for_ping(f"http://127.0.0.1:{practica_port}/ping", process)
        wait_for_ping(f"http://127.0.0.1:{chronicles_port}/ping", process)
        while_running()
        time.sleep(0.5)  # let the supervisor print its banner
        children = children_of(process.pid)
    finally:
        output = interrupt(process)
    assert process.returncode == 0, output
    assert "Stopped." in output
    assert len(children) == (6 if os.geteuid() == 0 else 5)  # as root, the sandbox controller too
    assert not [pid for pid in children if Path(f"/proc/{pid}").exists()], "a child outlived Ctrl-C"
    assert f"http://127.0.0.1:{practica_port}" in output
    assert f"http://127.0.0.1:{chronicles_port}" in output
    return output


@pytest.fixture
def home() -> Iterator[Path]:
    """A data directory the `practica` user can reach (pytest's own are under 0700 directories)."""
    made = traversable_home("practica-up-test-")
    yield made / "home"
    remove_home(made)


def children_of(pid: int) -> list[str]:
    result = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True)
    return result.stdout.split()


def test_up_starts_an_embedded_database_and_a_second_run_reuses_it(home: Path) -> None:
    env = {"PRACTICA_HOME": str(home), "DATABASE_URL": "", "CHRONICLES_DATABASE_URL": ""}
    embedded = f"postgresql://postgres@/practica?host={home / 'pg'}"

    def write_marker() -> None:
        with psycopg.connect(embedded) as conn:
            conn.execute("CREATE TABLE kept_between_runs (note text)")
            conn.execute("INSERT INTO kept_between_runs VALUES ('still here')")

    def read_marker() -> None:
        with psycopg.connect(embedded) as conn:
            assert conn.execute("SELECT note FROM kept_between_runs").fetchone() == ("still here",)

    run_and_stop(env, write_marker)
    assert not (home / "pg" / "postmaster.pid").exists(), "the embedded server outlived its last user"
    run_and_stop(env, read_marker)


def test_up_with_database_urls_starts_no_embedded_server(
    home: Path, clone_database: Callable[[str], str], admin_uri: str
) -> None:
    open_database_to_services(admin_uri)
    practica_url = clone_database("template0")
    chronicles_url = clone_database("template0")
    env = {"PRACTICA_HOME": str(home), "DATABASE_URL": practica_url, "CHRONICLES_DATABASE_URL": chronicles_url}
    first = run_and_stop(env)
    assert "Published the sample courses: bash-testing, databases," in first  # a new install: samples, a setup link
    assert re.search(r"http://127\.0\.0\.1:\d+/setup/[\w-]{43}\s", first)
    assert "practica user set-role EMAIL admin" in first
    assert not (home / "pg").exists()
    libpq = make_url(practica_url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(libpq) as conn:
        assert conn.execute("SELECT count(*) FROM practica_alembic_version").fetchone() == (1,)


def test_environments_are_off_without_bubblewrap_and_on_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from practica.supervisor import sandbox_unavailable

    if os.geteuid() == 0:
        assert sandbox_unavailable() == ""
        monkeypatch.setenv("PATH", "/nonexistent")
        assert "bubblewrap is not installed" in sandbox_unavailable()
    else:
        assert "needs root" in sandbox_unavailable()
    monkeypatch.setenv("PRACTICA_SANDBOX_RUNTIME", "docker")
    assert sandbox_unavailable() == ""
