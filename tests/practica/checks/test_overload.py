"""A check the overloaded host cut short is run again and never counts against the learner; an infinite loop does."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from practica.checks.overload import HOST_PRESSURE, OWN_CPU_SHARE, HostPressure, judge
from practica.checks.queries import failed_checks
from practica.checks.stress import cpu_hog
from practica.learning.schemas import CheckView
from practica.lessons.files import FileData
from practica.sandbox import Runtime
from practica.sandbox.spec import EndReason, ExecResult
from tests.practica.checks.checking import Checks, published_checks, rewrite_lesson
from tests.practica.lessons.factories import write_course

CHECK = {
    "command": ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=report.xml", "tests"],
    "tests_into": "tests",
}
LIMIT_S = 6
# On a quiet host pytest starts in ~0.3 s of CPU, the test computes for 0.4 s of CPU and sleeps 4.8 s: it ends
# ~0.5 s before the limit. Beside eight busy environments on two cores the check gets a fraction of a core
# (its CPU-bound 0.7 s took 2.7-7 times as long there), so the limit cuts it, with well under a quarter
# of its time spent on the CPU.
SLEEPS_CLOSE_TO_THE_LIMIT = f"""import time


def test_computes_then_waits():
    started = time.process_time()
    while time.process_time() - started < 0.4:
        pass
    time.sleep({LIMIT_S - 1.2})
"""
LOOPS_FOREVER = "def test_loops():\n    while True:\n        pass\n"
ANSWER = {"solution.py": FileData(b"ANSWER = 42\n")}


def exec_result(reason: EndReason, duration: float) -> ExecResult:
    return ExecResult(exit_code=137, reason=reason, duration=duration)


@pytest.mark.parametrize(
    ("reason", "cpu_s", "pressure", "overloaded"),
    [
        (EndReason.TIMEOUT, 0.4, 0.95, True),  # waited while the host's tasks queued for a CPU
        (EndReason.KILLED, 0.4, 0.95, True),
        (EndReason.TIMEOUT, None, 0.95, True),  # the runtime cannot tell its CPU: the host's pressure decides
        (EndReason.TIMEOUT, 4.0, 0.95, False),  # kept its core busy: its own code ran out of time
        (EndReason.TIMEOUT, 0.4, 0.10, False),  # a quiet host: it slept or waited on its own
        (EndReason.EXITED, 0.4, 0.95, False),  # ended on its own: the verdict stands
        (EndReason.OOM, 0.4, 0.95, False),
    ],
)
def test_overloaded_means_cut_short_idle_on_a_contended_host(
    reason: EndReason, cpu_s: float | None, pressure: float, overloaded: bool
) -> None:
    found = judge(exec_result(reason, 5.0), cpu_s, pressure)
    assert (found is not None) is overloaded
    if found is not None:
        assert found.describe().startswith("the host was overloaded: the check ran 5.0 s")


def test_the_thresholds_leave_room_on_both_sides() -> None:
    assert judge(exec_result(EndReason.TIMEOUT, 10.0), OWN_CPU_SHARE * 10.0 - 0.01, HOST_PRESSURE) is not None
    assert judge(exec_result(EndReason.TIMEOUT, 10.0), OWN_CPU_SHARE * 10.0, 1.0) is None
    assert judge(exec_result(EndReason.TIMEOUT, 10.0), 0.0, HOST_PRESSURE - 0.01) is None


def test_host_pressure_is_read_from_psi(tmp_path: Path) -> None:
    psi = tmp_path / "cpu"
    psi.write_text(
        "some avg10=1.00 avg60=2.00 avg300=3.00 total=1000000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
    )
    before = HostPressure.now(psi)
    psi.write_text(
        "some avg10=1.00 avg60=2.00 avg300=3.00 total=3000000\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
    )
    after = HostPressure(HostPressure.now(psi).stalled_us, before.at + 4.0)
    assert after.share_since(before) == pytest.approx(0.5)  # 2 s of stall in 4 s


@asynccontextmanager
async def _checks_of(
    test_source: str, practica_db_url: str, runtime: Runtime, checks_home: Path, tmp_path: Path
) -> AsyncIterator[Checks]:
    course = write_course(tmp_path / "basics", ["slow"])
    lesson = course / "slow"
    rewrite_lesson(lesson / "lesson.yaml", check=CHECK, limits={"time_s": LIMIT_S, "memory_mb": 256})
    (lesson / "tests" / "test_add.py").unlink()
    (lesson / "tests" / "test_slow.py").write_text(test_source)
    async with published_checks(practica_db_url, runtime, checks_home, tmp_path, course) as made:
        yield made


@pytest.fixture
async def sleepy(
    practica_db_url: str, bwrap_runtime: Runtime, checks_home: Path, tmp_path: Path
) -> AsyncIterator[Checks]:
    async with _checks_of(SLEEPS_CLOSE_TO_THE_LIMIT, practica_db_url, bwrap_runtime, checks_home, tmp_path) as made:
        yield made


@pytest.fixture
async def looping(
    practica_db_url: str, bwrap_runtime: Runtime, checks_home: Path, tmp_path: Path
) -> AsyncIterator[Checks]:
    async with _checks_of(LOOPS_FOREVER, practica_db_url, bwrap_runtime, checks_home, tmp_path) as made:
        yield made


@pytest.mark.sandbox
@pytest.mark.usefixtures("host_load")
async def test_a_check_the_overloaded_host_cut_short_is_retried_and_never_the_learners_failure(sleepy: Checks) -> None:
    attempt_id = await sleepy.request(files=ANSWER)
    async with cpu_hog(sleepy.runtime, per_core=4):
        await sleepy.run_jobs()
    attempt = await sleepy.attempt(attempt_id)
    assert attempt.retried_because is not None
    assert attempt.retried_because.startswith("the host was overloaded: the check ran")
    assert (attempt.status, attempt.verdict) == ("error", "overloaded")  # the retry was cut short too
    assert "does not count against you" in attempt.detail
    view = CheckView.model_validate(attempt, from_attributes=True)
    assert (view.status, view.retried_because, view.tests) == ("error", attempt.retried_because, [])
    async with sleepy.sessions() as session:
        assert await failed_checks(session, sleepy.target()) == 0
    assert [action for action, _ in await sleepy.events()] == ["check.requested"]  # no check.failed


@pytest.mark.sandbox
@pytest.mark.usefixtures("host_load")
async def test_a_learners_infinite_loop_is_still_a_timeout_failure_and_not_retried(looping: Checks) -> None:
    """The loop keeps its core busy, so it is the learner's timeout, counted against them.

    Only a host so busy that the loop got under a quarter of a core (other engineers' test runs on a 2-core
    machine did that) earns it the one retry; even then it ends as the learner's timeout, never as the
    platform's error.
    """
    attempt_id = await looping.request(files=ANSWER)
    await looping.run_jobs()
    attempt = await looping.attempt(attempt_id)
    assert (attempt.status, attempt.verdict) == ("failed", "timeout")
    starved = attempt.retried_because is not None
    if starved:
        assert re.search(r"with [0-9.]+ s of CPU while tasks waited for a CPU", attempt.retried_because or "")
    events = await looping.events()
    assert [action for action, _ in events] == ["check.requested", "check.failed"]
    assert events[1][1]["retried"] is starved
    async with looping.sessions() as session:
        assert await failed_checks(session, looping.target()) == 1
