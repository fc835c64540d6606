"""Running a lesson's reference solution again and again on a busy machine, to catch flaky tests.

A test that allows half a second for something a correct solution does in
milliseconds passes on a quiet machine and fails a correct learner on a busy
eval host. The stress pass runs the reference solution ``runs`` more times
while a CPU hog keeps every core busy (as many runs at once as there are
cores), and reports each test that failed in any of those runs, with how
often (:class:`Flaky`). Optionally the starter
files and each known-wrong solution run once more under the same load: a
verdict that flips to *passed* is reported too (the tests catch that mistake
only sometimes).

The hog is one sandbox environment per core (the lesson's runtime, the
``host`` environment), each spinning one busy loop: on an eval host it
competes with a check exactly as other learners' checks do, one cgroup
against another, at the same niceness as the checks (both are started the
same way; nothing lowers the hog's priority). It is removed whatever happens
(an error, Ctrl-C); with the ``bwrap`` runtime its processes also die with
the process that started them.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import structlog

from practica.checks.runner import CheckRun, Verdict, run_check
from practica.checks.validation import candidates, incomplete_wrong_solutions
from practica.lessons.files import FileData, read_tree
from practica.lessons.loading import LoadedLesson
from practica.sandbox.runtime import Runtime, SandboxError
from practica.sandbox.spec import EnvironmentSpec, ExecRequest, ResourceLimits

log = structlog.get_logger(__name__)

SOLUTION = "solution"
HOG_LABEL = "stress-hog"
# Detached from the exec's pipes, so the exec returns at once and the loop spins until the environment goes.
SPIN = ["/bin/sh", "-c", "(while :; do :; done) </dev/null >/dev/null 2>&1 &"]
HOG_SPEC = EnvironmentSpec(
    limits=ResourceLimits(memory=64 * 1024**2, pids=16, cpus=1.0, wall_timeout=30),
    labels={"purpose": HOG_LABEL},
)

Progress = Callable[[str], None]  # called as each run under load ends, with what it was


@dataclass(frozen=True)
class Flaky:
    """A test that went the wrong way in some runs under load (or a wrong version's verdict that flipped)."""

    lesson: str
    candidate: str  # solution | starter | wrong:<dir>
    test: str  # the test's name; "" for a verdict that flipped
    times: int  # runs in which it went the wrong way
    runs: int
    message: str  # what the first of those runs said

    def describe(self) -> str:
        """``test_x[SIGINT]: failed 2 of 10 runs under load``."""
        if self.candidate == SOLUTION:
            return f"{self.test}: failed {self.times} of {self.runs} runs under load"
        return f"{self.candidate}: passed {self.times} of {self.runs} runs under load (the tests must fail it)"


def cores() -> int:
    """The cores this process may run on (what a busy host fills)."""
    return len(os.sched_getaffinity(0))


@asynccontextmanager
async def cpu_hog(runtime: Runtime, *, per_core: int = 1) -> AsyncIterator[list[str]]:
    """Keep every core busy while the block runs: ``per_core`` spinning environments per core, removed after."""
    started: list[str] = []
    try:
        for _ in range(per_core * cores()):
            info = await runtime.create(HOG_SPEC)
            started.append(info.id)
            await runtime.exec(info.id, ExecRequest(argv=SPIN, timeout=30))
        yield started
    finally:
        for env_id in started:
            try:
                await runtime.remove(env_id)
            except SandboxError as error:  # the others must go all the same
                log.error("stress.hog_not_removed", environment=env_id, error=str(error))


def failures(run: CheckRun) -> list[tuple[str, str]]:
    """(test, message) for each test the run failed; the whole run when it ended without a verdict per test."""
    failed = [(case.name, case.message) for case in run.failing]
    ended_early = run.verdict not in (Verdict.PASSED, Verdict.FAILED)
    if ended_early or (run.verdict is Verdict.FAILED and not failed):
        failed.append((f"(the whole run: {run.verdict.value})", run.detail))
    return failed


async def stress_solution(
    runtime: Runtime, loaded: LoadedLesson, runs: int, progress: Progress = lambda _: None
) -> list[Flaky]:
    """Run the reference solution ``runs`` times (the caller keeps the machine busy); every test that ever failed.

    As many runs at once as there are cores: each competes with the hog and with the others (a busier
    host than one run alone), and the pass takes less time.
    """
    lesson = loaded.lesson
    files = _versions(loaded)[SOLUTION][0]
    tests = read_tree(loaded.path(lesson.tests))
    gate = asyncio.Semaphore(cores())
    done: list[CheckRun] = []

    async def one() -> None:
        async with gate:
            done.append(await run_check(runtime, lesson, files, tests))
        progress(f"{lesson.id}: solution under load ({len(done)}/{runs})")

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(runs):
                group.create_task(one())
    except ExceptionGroup as broken:  # the platform broke (a check never raises for what it judges)
        raise broken.exceptions[0] from None
    return _flaky_tests(lesson.id, done)


def _flaky_tests(lesson_id: str, runs: list[CheckRun]) -> list[Flaky]:
    """Each test that failed in any of ``runs``, with how often and what it said first."""
    failed: dict[str, list[str]] = {}
    for run in runs:
        for test, message in failures(run):
            failed.setdefault(test, []).append(message)
    return [Flaky(lesson_id, SOLUTION, test, len(said), len(runs), said[0]) for test, said in failed.items()]


async def stress_wrong_versions(
    runtime: Runtime, loaded: LoadedLesson, progress: Progress = lambda _: None
) -> list[Flaky]:
    """Run the starter and each (complete) wrong solution once more; each that now passes."""
    lesson = loaded.lesson
    tests = read_tree(loaded.path(lesson.tests))
    flipped = []
    for name, (files, _should_pass) in _versions(loaded).items():
        if name == SOLUTION:
            continue
        run = await run_check(runtime, lesson, files, tests)
        if run.verdict is Verdict.PASSED:
            flipped.append(Flaky(lesson.id, name, "", 1, 1, "every test passed"))
        progress(f"{lesson.id}: {name} under load")
    return flipped


def runs_per_lesson(loaded: LoadedLesson, runs: int, *, wrong: bool) -> int:
    """How many checks :func:`stress_lessons` runs for this lesson."""
    return runs + (len(_versions(loaded)) - 1 if wrong else 0)


async def stress_lessons(
    runtime: Runtime,
    lessons: list[LoadedLesson],
    runs: int,
    progress: Progress = lambda _: None,
    *,
    wrong: bool = False,
) -> list[Flaky]:
    """The stress pass over ``lessons``, beside a CPU hog on every core; what turned out flaky."""
    flaky: list[Flaky] = []
    async with cpu_hog(runtime):
        for loaded in lessons:
            flaky += await stress_solution(runtime, loaded, runs, progress)
            if wrong:
                flaky += await stress_wrong_versions(runtime, loaded, progress)
    return flaky


def _versions(loaded: LoadedLesson) -> dict[str, tuple[dict[str, FileData], bool]]:
    """The lesson's versions as validation runs them (a wrong solution lacking files is left out)."""
    incomplete = {finding.candidate for finding in incomplete_wrong_solutions(loaded)}
    return {name: (files, ok) for name, files, ok in candidates(loaded) if name not in incomplete}
