"""The podman service the tests, the benchmark and ``practica env engine`` start: what its stop leaves behind."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import docker
import pytest

from practica.sandbox.podman import CONTAINERS_CONF, PodmanService
from tests.conftest import require_tool


def podman_listing(state: Path, *command: str) -> list[str]:
    result = subprocess.run(
        ["podman", "--root", str(state / "storage"), "--runroot", str(state / "run"), *command],
        env={**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)},
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return result.stdout.split()


@pytest.mark.parametrize("own_locks", [False, True], ids=["shared-locks", "own-locks"])
def test_stop_removes_the_volumes_so_their_podman_locks_are_given_back(own_locks: bool) -> None:
    require_tool(shutil.which("podman") is not None and os.geteuid() == 0, "root and podman")
    with tempfile.TemporaryDirectory(prefix="practica-podman-") as short:  # podman allows a runroot of 50 characters
        stop_and_list_volumes(PodmanService(Path(short) / "podman", own_locks=own_locks))


def test_a_service_with_its_own_locks_keeps_its_lock_table_apart_from_this_machines() -> None:
    require_tool(shutil.which("podman") is not None and os.geteuid() == 0, "root and podman")
    with tempfile.TemporaryDirectory(prefix="practica-podman-") as short:
        service = PodmanService(Path(short) / "podman", own_locks=True)
        with service:
            assert service.process is not None
            docker.DockerClient(base_url=service.url).volumes.create("takes-a-lock")
            its_table = Path(f"/proc/{service.process.pid}/root/dev/shm/libpod_lock").stat()
            ours = Path("/dev/shm/libpod_lock")
            assert not ours.exists() or (ours.stat().st_dev, ours.stat().st_ino) != (its_table.st_dev, its_table.st_ino)


def stop_and_list_volumes(service: PodmanService) -> None:
    state = service.state
    with service:
        client = docker.DockerClient(base_url=service.url)
        client.volumes.create("practica-workspace-disks")
        client.volumes.create("learner-files", driver_opts={"type": "tmpfs", "device": "tmpfs"})
        client.close()
        assert sorted(podman_listing(state, "volume", "ls", "--quiet")) == ["learner-files", "practica-workspace-disks"]

    assert podman_listing(state, "volume", "ls", "--quiet") == []


def test_an_imported_image_leaves_no_copy_behind() -> None:
    """podman keeps a copy of each upload it imports in its TMPDIR: the service's own, gone at stop."""
    require_tool(shutil.which("podman") is not None and os.geteuid() == 0, "root and podman")
    with tempfile.TemporaryDirectory(prefix="practica-podman-") as short:
        service = PodmanService(Path(short) / "podman")
        with service:
            assert service.process is not None
            environ = Path(f"/proc/{service.process.pid}/environ").read_bytes().split(b"\0")
            assert f"TMPDIR={service.scratch}".encode() in environ
            client = docker.DockerClient(base_url=service.url)
            client.api.import_image_from_data(_tar_of({"hello.txt": b"hello\n" * 1000}), repository="localhost/x")
            client.close()
        assert not service.scratch.exists()


def _tar_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()
