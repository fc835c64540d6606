"""A podman service speaking the Docker Engine API, started with Practica's own ``containers.conf``.

Used by the tests, the benchmark and ``practica env engine``. Storage goes
where it is told (``--root``/``--runroot``), so nothing under ``/etc`` or
``/var/lib/containers`` is touched unless asked.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from contextlib import suppress
from pathlib import Path
from types import TracebackType

from practica.sandbox.runtime import RuntimeUnavailableError

CONTAINERS_CONF = Path(__file__).with_name("containers.conf")
READY_TIMEOUT = 30.0


# In a mount namespace of its own, a tmpfs on /dev/shm, then the command given.
OWN_SHM = ["unshare", "--mount", "--propagation", "slave", "sh", "-c",
           'mount -t tmpfs -o mode=1777,nosuid,nodev practica-shm /dev/shm && exec "$@"', "sh"]  # fmt: skip


def podman_argv(state: Path, socket_path: Path, netns: str | None = None, *, own_locks: bool = False) -> list[str]:
    """The service's command; in the named network namespace (``ip netns``) when given, as on another host.

    ``nsenter --net`` and not ``ip netns exec``: the latter mounts a fresh
    /sys, without the cgroup file system runc needs to start a container.
    With ``own_locks`` it has a /dev/shm of its own, so its own lock table
    (``/dev/shm/libpod_lock``, ``num_locks``), as podman on another machine has;
    otherwise every podman of this machine shares one.
    """
    inside = ["nsenter", f"--net=/run/netns/{netns}"] if netns else []
    return [
        *(OWN_SHM if own_locks else []), *inside,
        "podman", "--root", str(state / "storage"), "--runroot", str(state / "run"),
        "system", "service", "--time=0", f"unix://{socket_path}",
    ]  # fmt: skip


class PodmanService:
    def __init__(
        self, state: Path, socket_path: Path | None = None, *, netns: str | None = None, own_locks: bool = False
    ) -> None:
        self.state = state
        self.socket = socket_path or state / "podman.sock"
        self.netns = netns
        self.own_locks = own_locks
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def scratch(self) -> Path:
        """The service's temporary directory (``TMPDIR``), emptied at each start and removed at stop.

        podman's Docker-compatible image import copies the upload into a
        file there (``api_load.tar…``, under ``/var/tmp`` by default) and
        never deletes it: every environment image imported would stay on
        disk, ~120 MB each.
        """
        return self.state / "tmp"

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def start(self) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        self.socket.unlink(missing_ok=True)
        shutil.rmtree(self.scratch, ignore_errors=True)
        self.scratch.mkdir()
        env = {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF), "TMPDIR": str(self.scratch)}
        with open(self.state / "podman.log", "ab") as log:
            self.process = subprocess.Popen(
                podman_argv(self.state, self.socket, self.netns, own_locks=self.own_locks),
                env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                cwd=self.state,  # conmon writes its `oom` marker files into the working directory
            )  # fmt: skip
        deadline = time.monotonic() + READY_TIMEOUT
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                log_text = (self.state / "podman.log").read_text(errors="replace")[-800:]
                raise RuntimeUnavailableError(f"podman system service did not start: {log_text}")
            time.sleep(0.05)

    def _answers(self) -> bool:
        try:
            with socket.socket(socket.AF_UNIX) as probe:
                probe.connect(str(self.socket))
            return True
        except OSError:
            return False

    def stop(self) -> None:
        """Remove every container and volume this service's storage holds, then end the service and its monitors.

        Removal through the API can return before a container's monitor
        (conmon) is gone; without this sweep some would outlive the service.
        The monitors of execs outlive it too (one per exec the service ran,
        waiting for the service to collect the exit code): they are ended last.
        Volumes go too: each holds one of podman's locks, a table shared by
        every podman on the machine (``num_locks``), and deleting the storage
        directory would not give it back. So does :attr:`scratch`.
        """
        if self.process and self.process.poll() is None:
            self._remove_all(["rm", "--all", "--force", "--time", "0"])
            self._remove_all(["volume", "rm", "--all", "--force"])
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._end_monitors()
        shutil.rmtree(self.scratch, ignore_errors=True)

    def _end_monitors(self) -> None:
        storage = f"{self.state / 'storage'}/".encode()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if argv[0].endswith(b"conmon") and any(arg.startswith(storage) for arg in argv):
                with suppress(ProcessLookupError):
                    os.kill(int(entry.name), signal.SIGKILL)

    def _remove_all(self, command: list[str]) -> None:
        argv = ["podman", "--root", str(self.state / "storage"), "--runroot", str(self.state / "run")]
        if self.own_locks and self.process is not None:  # the service's /dev/shm: its lock table, not this one's
            argv = ["nsenter", f"--target={self.process.pid}", "--mount", *argv]
        env = {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}
        subprocess.run(
            [*argv, *command],
            env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=120, check=False,
        )  # fmt: skip

    def __enter__(self) -> PodmanService:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()
