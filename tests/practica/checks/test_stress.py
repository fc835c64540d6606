"""The stress pass: a CPU hog on every core, removed whatever happens, and flaky tests reported with their rate."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from practica.checks.stress import HOG_LABEL, cores, cpu_hog, stress_lessons
from practica.cli import app
from practica.lessons.loading import load
from practica.sandbox import Runtime, create_runtime
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import EnvironmentInfo
from tests.practica.conftest import traversable_home
from tests.practica.lessons.factories import write_lesson

pytestmark = [pytest.mark.sandbox, pytest.mark.usefixtures("host_load")]

COURSES = Path(__file__).resolve().parents[3] / "courses"
CHECK = {
    "command": ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=report.xml", "tests"],
    "tests_into": "tests",
}
# A correct worker stops a median 3 ms after the signal on a quiet host here and 15 ms beside the hog (up to
# 80 ms; 3 of 50 loaded stops took 5 ms or less, one run at a time). Allowing 5 ms, each of the two signal
# tests fails a loaded run ~9 times in 10: three runs under load miss it at least once but for a chance of
# about 1e-6. (The 0.5 s the lesson once allowed is never missed beside the hog: see README, Lessons.)
TIGHT_STOP_S = 0.005
RUNS = 3


async def cpu_used(runtime: Runtime, env_ids: list[str], seconds: float) -> list[float]:
    """CPU seconds each environment used over the next ``seconds``."""
    before = [(await runtime.usage(env_id)).cpu_seconds or 0.0 for env_id in env_ids]
    await asyncio.sleep(seconds)
    after = [(await runtime.usage(env_id)).cpu_seconds or 0.0 for env_id in env_ids]
    return [end - start for start, end in zip(before, after, strict=True)]


def uids_running() -> set[int]:
    """The uids of live processes (a zombie has ended: pid 1 reaps it when it gets to it)."""
    uids = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if not fields.get("State", "").startswith("Z"):
            uids.add(int(fields["Uid"].split()[0]))
    return uids


async def hog_uids(runtime: Runtime) -> set[int]:
    return {info.uid for info in await runtime.list_environments() if info.spec.labels.get("purpose") == HOG_LABEL}


async def test_the_hog_keeps_every_core_busy_and_goes_afterwards(bwrap_runtime: Runtime) -> None:
    async with cpu_hog(bwrap_runtime) as hogs:
        assert len(hogs) == cores()
        uids = await hog_uids(bwrap_runtime)
        # Each spins: it gets its share of a core, even on a host this busy with other work.
        assert all(used > 0.05 for used in await cpu_used(bwrap_runtime, hogs, 2.0))
        assert uids <= uids_running()
    assert await hog_uids(bwrap_runtime) == set()
    assert not uids & uids_running()


async def _fail_beside_the_hog(runtime: Runtime, seen: set[int]) -> None:
    async with cpu_hog(runtime):
        seen.update(await hog_uids(runtime))
        raise RuntimeError("the stress pass broke")


async def test_the_hog_goes_when_the_work_beside_it_fails(bwrap_runtime: Runtime) -> None:
    uids: set[int] = set()
    with pytest.raises(RuntimeError, match="the stress pass broke"):
        await _fail_beside_the_hog(bwrap_runtime, uids)
    assert len(uids) == cores()
    assert await hog_uids(bwrap_runtime) == set()
    assert not uids & uids_running()


def reverted_signals_lesson(directory: Path, stop_within_s: float) -> Path:
    """processes-and-signals with its timing fix undone: a one-second tick and a tight stop tolerance."""
    shutil.copytree(COURSES / "unix-shell" / "processes-and-signals", directory)
    test = directory / "tests" / "test_worker.py"
    source = test.read_text()
    assert "STOP_WITHIN_S = 5.0\n" in source, "the lesson changed: update this scratch copy"
    test.write_text(source.replace("STOP_WITHIN_S = 5.0\n", f"STOP_WITHIN_S = {stop_within_s}\n"))
    for worker in [directory / "solution" / "worker.sh", directory / "wrong" / "trap-without-exit" / "worker.sh"]:
        worker.write_text(worker.read_text().replace("sleep 30 &", "sleep 1 &"))
    return directory


async def test_a_lesson_with_a_tight_timing_tolerance_is_caught_as_flaky(
    bwrap_runtime: Runtime, tmp_path: Path
) -> None:
    (loaded,) = load(reverted_signals_lesson(tmp_path / "signals", TIGHT_STOP_S)).lessons
    flaky = await stress_lessons(bwrap_runtime, [loaded], RUNS)
    by_test = {item.test.rsplit("::", 1)[-1]: item for item in flaky}
    assert set(by_test) <= {"test_signal_cleans_up_and_exits_0[SIGTERM]", "test_signal_cleans_up_and_exits_0[SIGINT]"}
    assert by_test, "three runs beside the hog never missed a 5 ms stop"
    for name, item in by_test.items():
        assert (item.lesson, item.candidate, item.runs) == ("processes-and-signals", "solution", RUNS)
        assert 1 <= item.times <= RUNS
        assert item.describe() == f"{item.test}: failed {item.times} of {RUNS} runs under load"
        assert f"still running {TIGHT_STOP_S} s after SIG" in item.message, name


@pytest.fixture
def cli_home(monkeypatch: pytest.MonkeyPatch) -> Path:
    home = traversable_home("practica-stress-cli-")
    monkeypatch.setenv("PRACTICA_SANDBOX_HOME", str(home))
    monkeypatch.setenv("PRACTICA_SANDBOX_UID_BASE", str(3_500_000 + (os.getpid() % 1000) * 100))
    monkeypatch.setenv("PRACTICA_SANDBOX_UID_COUNT", "100")
    return home


def test_the_command_reports_flaky_tests_with_their_rate_and_exits_1(cli_home: Path, tmp_path: Path) -> None:
    sound = write_lesson(tmp_path / "add", check=CHECK)
    result = CliRunner().invoke(app, ["lesson", "validate", str(sound), "--stress", "1"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "no flaky test: every run judged the same" in result.output
    assert "1 lesson(s) valid (2 runs)" in result.output

    tight = reverted_signals_lesson(tmp_path / "signals", TIGHT_STOP_S)
    result = CliRunner().invoke(app, ["lesson", "validate", str(tight), "--stress", str(RUNS)], terminal_width=200)
    assert result.exit_code == 1, result.output
    assert f"still running {TIGHT_STOP_S} s after SIG" in result.output
    flaky = r"processes-and-signals: \S+\[SIG(?:TERM|INT)\]: failed (\d) of 3 runs under load"
    rates = [int(rate) for rate in re.findall(flaky, result.output)]
    assert rates, result.output
    assert all(1 <= rate <= RUNS for rate in rates), result.output
    assert "flaky: the tests do not judge the same way every time under load" in result.output


def test_the_command_with_wrong_versions_runs_them_under_load_too(cli_home: Path, tmp_path: Path) -> None:
    swaps = write_lesson(tmp_path / "add", check=CHECK, wrong_solutions=[{"dir": "wrong", "why": "swaps"}])
    (swaps / "wrong").mkdir()
    (swaps / "wrong" / "solution.py").write_text("def add(a, b):\n    return b + a\n")  # the tests cannot tell
    args = ["lesson", "validate", str(swaps), "--stress", "1", "--stress-wrong"]
    result = CliRunner().invoke(app, args, terminal_width=200)
    assert result.exit_code == 1
    assert "wrong:wrong: passed 1 of 1 runs under load (the tests must fail it)" in result.output


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "SIGTERM"])
def test_ctrl_c_or_sigterm_ends_the_command_and_its_hog(cli_home: Path, tmp_path: Path, signum: int) -> None:
    sound = write_lesson(tmp_path / "add", check=CHECK)
    runtime = create_runtime(SandboxSettings(home=cli_home), "bwrap")
    command = [sys.executable, "-m", "practica", "lesson", "validate", str(sound), "--stress", "500"]
    log = tmp_path / "validate.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, preexec_fn=_as_a_terminal_would)
    try:
        uids = _wait_for_the_hog(runtime, process, log)
        process.send_signal(signum)
        assert process.wait(timeout=60) == 128 + signum  # as a shell reports a process ended by the signal
    finally:
        process.kill()
        process.wait()
    leftovers = [info.id for info in _environments(runtime)]
    assert leftovers == [], "the command left environments behind"
    assert not uids & uids_running()


def _as_a_terminal_would() -> None:
    """Ctrl-C at its default, as in a terminal's foreground job, even when these tests run in the background
    (a shell starts background jobs with SIGINT ignored, and the command would inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _environments(runtime: Runtime) -> list[EnvironmentInfo]:
    return asyncio.run(runtime.list_environments())


def _wait_for_the_hog(runtime: Runtime, process: subprocess.Popen[bytes], log: Path) -> set[int]:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        uids = asyncio.run(hog_uids(runtime))
        if len(uids) == cores() and uids <= uids_running():
            return uids
        time.sleep(0.2)
    pytest.fail("the hog never started")
