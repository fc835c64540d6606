"""The podman service the tests, the benchmark and ``practica env engine`` start: what its stop leaves behind."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import docker

from practica.sandbox.podman import CONTAINERS_CONF, PodmanService
from tests.conftest import require_tool


def podman_listing(state: Path, *command: str) -> list[str]:
    result = subprocess.run(
        ["podman", "--root", str(state / "storage"), "--runroot", str(state / "run"), *command],
        env={**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)},
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return result.stdout.split()


def test_stop_removes_the_volumes_so_their_podman_locks_are_given_back() -> None:
    require_tool(shutil.which("podman") is not None and os.geteuid() == 0, "root and podman")
    with tempfile.TemporaryDirectory(prefix="practica-podman-") as short:  # podman allows a runroot of 50 characters
        stop_and_list_volumes(Path(short) / "podman")


def stop_and_list_volumes(state: Path) -> None:
    with PodmanService(state) as service:
        client = docker.DockerClient(base_url=service.url)
        client.volumes.create("practica-workspace-disks")
        client.volumes.create("learner-files", driver_opts={"type": "tmpfs", "device": "tmpfs"})
        client.close()
        assert sorted(podman_listing(state, "volume", "ls", "--quiet")) == ["learner-files", "practica-workspace-disks"]

    assert podman_listing(state, "volume", "ls", "--quiet") == []
