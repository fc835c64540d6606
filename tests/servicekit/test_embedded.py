"""The embedded PostgreSQL stops with its last live user, even when another user was killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

_JOIN = (
    "import sys; from pathlib import Path; from servicekit.embedded import embedded_server; "
    "server = embedded_server(Path(sys.argv[1])); print(server.get_pid(), flush=True); sys.stdin.read()"
)


class User:
    """A process that joined the embedded server and stays until its stdin closes."""

    def __init__(self, home: Path) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        self.process = subprocess.Popen(
            [sys.executable, "-c", _JOIN, str(home)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
        )
        assert self.process.stdout is not None
        self.postmaster = int(self.process.stdout.readline())

    def leave(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert self.process.wait(timeout=60) == 0
        self._close_output()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self._close_output()

    def _close_output(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None and not stream.closed:
                stream.close()


def _stopped(pid: int, within: float = 60.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not psutil.pid_exists(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    postmaster = tmp_path / "pg" / "postmaster.pid"
    if postmaster.exists():
        pid = int(postmaster.read_text().split()[0])
        if psutil.pid_exists(pid):
            os.kill(pid, signal.SIGTERM)


def test_the_server_stops_with_its_last_live_user_when_another_was_killed(home: Path) -> None:
    survivor = User(home)
    killed = User(home)
    assert killed.postmaster == survivor.postmaster

    killed.kill()
    assert psutil.pid_exists(survivor.postmaster)
    survivor.leave()

    assert _stopped(survivor.postmaster)


def test_a_server_left_by_a_crash_is_reused_then_stopped(home: Path) -> None:
    crashed = User(home)
    crashed.kill()
    assert psutil.pid_exists(crashed.postmaster)

    next_user = User(home)
    assert next_user.postmaster == crashed.postmaster
    next_user.leave()

    assert _stopped(crashed.postmaster)
