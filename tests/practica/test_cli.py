"""The ``practica`` and ``chronicles`` commands, run as a user runs them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port, running_service


def run(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *argv], capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=60
    )


@pytest.mark.parametrize(
    ("product", "variable"), [("practica", "DATABASE_URL"), ("chronicles", "CHRONICLES_DATABASE_URL")]
)
def test_config_with_a_bad_database_url_exits_2_with_one_line(product: str, variable: str) -> None:
    result = run(product, "config", env={variable: "nonsense"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"{product}: configuration error: {variable}: ")


def test_config_prints_resolved_settings_without_secrets(tmp_path: Path) -> None:
    result = run(
        "practica",
        "config",
        env={
            "PRACTICA_HOME": str(tmp_path),
            "PRACTICA_SECRET_KEY": "s3cret-value",
            "DATABASE_URL": "postgresql://u:pw@h/d",
        },
    )
    assert result.returncode == 0, result.stderr
    assert str(tmp_path) in result.stdout
    assert "s3cret-value" not in result.stdout
    assert "pw@" not in result.stdout
    assert "PRACTICA_PORT" in result.stdout


def test_web_serves_from_as_many_processes_as_asked(tmp_path: Path, practica_db_url: str) -> None:
    port = free_port()
    env = {"PRACTICA_HOME": str(tmp_path), "DATABASE_URL": practica_db_url, "LOG_LEVEL": "WARNING"}
    argv = [sys.executable, "-m", "practica", "web", "--port", str(port), "--workers", "2"]
    with running_service(argv, env, f"http://127.0.0.1:{port}"):
        web = subprocess.run(["pgrep", "-o", "-f", f"practica web --port {port}"], capture_output=True, text=True)
        deadline = time.monotonic() + 120  # /ping answers once the first process listens; the other may be starting
        while (len(_children(int(web.stdout))) < 2 or _listening_sockets(port) < 2) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(_children(int(web.stdout))) == 2
        assert _listening_sockets(port) == 2  # one each (SO_REUSEPORT): the kernel spreads the connections


def _listening_sockets(port: int) -> int:
    """Sockets listening on ``port`` (a socket shared by processes counts once)."""
    lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for line in lines if line.split()[1].endswith(f":{port:04X}") and line.split()[3] == "0A")


def _children(pid: int) -> list[str]:
    """The processes ``pid`` started that serve requests (uvicorn's workers; not multiprocessing's helper)."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout.split()
    return [child for child in found if "resource_tracker" not in Path(f"/proc/{child}/cmdline").read_text()]


@pytest.mark.parametrize("workers", ["0", "-1"])
def test_web_refuses_fewer_than_one_process_naming_the_option(workers: str) -> None:
    result = run("practica", "web", "--workers", workers)
    assert result.returncode == 2
    assert "Invalid value for '--workers'" in result.stderr


def test_web_stops_every_process_when_one_dies(tmp_path: Path, practica_db_url: str) -> None:
    port = free_port()
    env = {**os.environ, "PRACTICA_HOME": str(tmp_path), "DATABASE_URL": practica_db_url, "LOG_LEVEL": "WARNING"}
    argv = [sys.executable, "-m", "practica", "web", "--port", str(port), "--workers", "2"]
    web = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120  # a ceiling for a loaded machine: the loop ends as soon as it can
        while len(children := _children(web.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        os.kill(int(children[0]), signal.SIGKILL)
        assert web.wait(timeout=30) == 1  # for its supervisor (practica up, systemd) to restart it
        assert not Path(f"/proc/{children[1]}").exists() or "zombie" in Path(f"/proc/{children[1]}/status").read_text()
    finally:
        web.kill()
        web.wait()
