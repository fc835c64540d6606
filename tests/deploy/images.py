"""The images of ``make images``, built once per test session for the deploy tests (a file lock serialises
xdist workers), and the tools they need."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "deploy" / "images" / "build.sh"
BASE = ROOT / "deploy" / "images" / "base.sh"
CONTAINERS_CONF = ROOT / "deploy" / "containers.conf"
SERVICES = ("web", "worker", "gateway", "chronicles")
SERVERS = ("postgres", "kafka", "balancer", "prometheus")
TOOLS = ("podman", "podman-compose", "debootstrap", "curl")


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


def version() -> str:
    """The version the images are tagged with: ``git describe --always --dirty`` of this tree."""
    described = subprocess.run(
        ["git", "-C", str(ROOT), "describe", "--always", "--dirty"], capture_output=True, text=True, check=True
    )
    return described.stdout.strip()


def engine_env() -> dict[str, str]:
    return {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}


def podman(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *arguments], capture_output=True, text=True, env=engine_env(), check=False)


def build_images() -> str:
    """Run ``deploy/images/build.sh`` (cached: quick when nothing changed) and return the version it tagged."""
    lock_path = ROOT / "var" / "images.lock"
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        tagged = version()
        env = {**engine_env(), "PYTHON": sys.executable, "VERSION": tagged}
        result = subprocess.run(["bash", str(BUILD)], capture_output=True, text=True, env=env, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"make images failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return tagged
