import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

SCRIPT = Path.cwd() / "worker.sh"
# A correct worker stops within milliseconds; one that finishes its 30 s wait first takes ~30 s.
# 5 s sits far from both, so a busy machine never fails a correct worker nor passes a wrong one.
STOP_WITHIN_S = 5.0


def wait_for(condition, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def read_pid(pidfile):
    try:
        text = pidfile.read_text()
    except FileNotFoundError:
        return None
    return int(text) if text.endswith("\n") and text.strip().isdigit() else None


@pytest.fixture
def worker(tmp_path):
    """Start worker.sh in a process group of its own; kill the whole group afterwards, whatever happened."""
    output = tempfile.TemporaryFile()  # a file, not a pipe: a chatty script can never block on it
    process = subprocess.Popen(
        ["bash", str(SCRIPT), str(tmp_path)],
        stdin=subprocess.DEVNULL,
        stdout=output,
        stderr=output,
        start_new_session=True,
    )
    process.output = output
    try:
        yield process, tmp_path
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=5)
        output.close()


def wait_until_ready(process, directory):
    pidfile, log = directory / "worker.pid", directory / "worker.log"
    # Ready means a complete pid file; a worker that exits or starts working without one is not.
    wait_for(
        lambda: read_pid(pidfile) is not None or process.poll() is not None or log.exists(),
        what="worker.pid",
    )
    if process.poll() is not None:
        process.output.seek(0)
        pytest.fail(f"the worker exited early with {process.returncode}: {process.output.read().decode()[-2000:]!r}")
    assert read_pid(pidfile) == process.pid, (
        "worker.pid must hold the script's own pid ($$) and a newline, written before the first tick"
    )
    wait_for(lambda: log.exists() and "tick\n" in log.read_text(), what="the first tick in worker.log")


def test_starts_up_and_keeps_running(worker):
    process, directory = worker
    wait_until_ready(process, directory)
    assert (directory / "scratch").is_dir()
    time.sleep(0.2)
    assert process.poll() is None, "without a signal the worker must keep running"
    assert (directory / "worker.pid").exists()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_cleans_up_and_exits_0(worker, signum):
    process, directory = worker
    wait_until_ready(process, directory)
    (directory / "scratch" / "partial.tmp").write_text("half-done work")
    process.send_signal(signum)
    try:
        code = process.wait(timeout=STOP_WITHIN_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running {STOP_WITHIN_S} s after {signum.name}")
    assert code == 0, f"exit status {code} (a negative number -N means killed by signal N)"
    assert not (directory / "worker.pid").exists(), "worker.pid must be removed"
    assert not (directory / "scratch").exists(), "scratch/ must be removed"
    lines = (directory / "worker.log").read_text().splitlines()
    assert lines[0] == "tick"
    assert lines[-1] == "stopped"
