"""The ``practica`` and ``chronicles`` commands, run as a user runs them."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port


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
    env = {**os.environ, "PRACTICA_HOME": str(tmp_path), "DATABASE_URL": practica_db_url, "LOG_LEVEL": "WARNING"}
    argv = [sys.executable, "-m", "practica", "web", "--port", str(port), "--workers", "2"]
    web = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while len(_children(web.pid)) < 2 or not _answers(f"http://127.0.0.1:{port}/ping"):
            if web.poll() is not None or time.monotonic() > deadline:
                pytest.fail("practica web --workers 2 did not start two processes")
            time.sleep(0.2)
        assert len(_children(web.pid)) == 2
    finally:
        web.terminate()
        web.wait(timeout=15)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _children(pid: int) -> list[str]:
    """The processes ``pid`` started that serve requests (uvicorn's workers; not multiprocessing's helper)."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout.split()
    return [child for child in found if "resource_tracker" not in Path(f"/proc/{child}/cmdline").read_text()]
