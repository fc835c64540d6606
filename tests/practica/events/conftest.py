"""A real Chronicles service (``chronicles serve``) for Practica's events to reach."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import free_port


@pytest.fixture
def chronicles_service(chronicles_db_url: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "CHRONICLES_DATABASE_URL": chronicles_db_url, "PRACTICA_HOME": str(tmp_path)}
    process = subprocess.Popen(
        [sys.executable, "-m", "chronicles", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/ping", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("chronicles serve did not start")
    yield base
    process.terminate()
    process.wait(timeout=15)
