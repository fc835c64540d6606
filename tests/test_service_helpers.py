"""The helpers that run a service for a test stop it for good, even one that ignores SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest

from tests import conftest

IGNORES_SIGTERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(120)"
)


def test_a_service_that_does_not_stop_is_killed_reaped_and_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest, "STOP_PATIENCE_S", 1)
    process = subprocess.Popen([sys.executable, "-c", IGNORES_SIGTERM], stdout=subprocess.PIPE)
    assert process.stdout is not None
    assert process.stdout.readline() == b"ready\n"

    with pytest.raises(pytest.fail.Exception, match="did not stop within 1 s of SIGTERM"):
        conftest._stop(process)

    assert process.returncode == -signal.SIGKILL
    process.stdout.close()
