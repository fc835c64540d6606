"""Running a lesson's hidden tests against a set of files, in a fresh environment.

The learner's files go into the workspace; the hidden tests go outside it
(``{tests}``, see :mod:`practica.checks.kit`), or for old lessons over the
learner's files, so a learner can never replace a test. The check command
comes from the lesson, with the platform's places filled in; the report comes
from the platform's channel. The environment is removed afterwards, whatever
happened, and with it anything the learner's code left running.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from practica.checks.kit import PREPARE_FAILED, PREPARE_MESSAGE, CheckPlan, ReportSource, plan_check
from practica.checks.overload import HostPressure, Overload, overload_of
from practica.checks.results import CaseResult, CaseStatus, ResultsFormatError, failing_cases, normalise
from practica.lessons.files import FileSet
from practica.lessons.format import Lesson
from practica.sandbox.runtime import Runtime, SandboxError
from practica.sandbox.spec import EndReason, EnvironmentSpec, ExecRequest, ExecResult, NetworkAccess, ResourceLimits


class Verdict(StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # a test failed (or the code did not run)
    TIMEOUT = "timeout"
    OOM = "oom"
    OUTPUT_LIMIT = "output_limit"
    INFRASTRUCTURE_ERROR = "infrastructure_error"
    OVERLOADED = "overloaded"  # the host cut the check short twice (see practica.checks.overload)


_END_VERDICTS = {
    EndReason.TIMEOUT: Verdict.TIMEOUT,
    EndReason.OOM: Verdict.OOM,
    EndReason.OUTPUT_LIMIT: Verdict.OUTPUT_LIMIT,
    EndReason.INFRASTRUCTURE_ERROR: Verdict.INFRASTRUCTURE_ERROR,
}


@dataclass(frozen=True)
class CheckRun:
    verdict: Verdict
    cases: list[CaseResult] = field(default_factory=list)
    duration_s: float = 0.0
    detail: str = ""
    overload: Overload | None = None  # set when the host, not the code, cut the run short

    @property
    def passed(self) -> int:
        return sum(case.status is CaseStatus.PASS for case in self.cases)

    @property
    def failing(self) -> list[CaseResult]:
        return failing_cases(self.cases)


def environment_spec(lesson: Lesson) -> EnvironmentSpec:
    limits = ResourceLimits(memory=lesson.limits.memory_mb * 1024 * 1024, wall_timeout=lesson.limits.time_s)
    return EnvironmentSpec(
        environment=lesson.environment,
        network=NetworkAccess(lesson.network.value),
        limits=limits,
        labels={"purpose": "check", "lesson": lesson.id},
    )


async def run_check(runtime: Runtime, lesson: Lesson, files: FileSet, hidden_tests: FileSet) -> CheckRun:
    started = time.monotonic()
    plan = plan_check(lesson.check, hidden_tests)
    try:
        info = await runtime.create(environment_spec(lesson))
    except SandboxError as error:
        return CheckRun(Verdict.INFRASTRUCTURE_ERROR, detail=f"the environment did not start: {error}")
    try:
        workspace_tests = hidden_tests if plan.tests_in_workspace else {}
        await _write_all(runtime, info.id, files, workspace_tests, lesson.check.tests_into)
        request = ExecRequest(argv=plan.argv, stdin=plan.kit, timeout=lesson.limits.time_s)
        pressure = HostPressure.now()
        result = await runtime.exec(info.id, request)
        overload = await overload_of(runtime, info.id, result, pressure)
        report = await _report(runtime, info.id, plan, result)
    except SandboxError as error:
        return CheckRun(Verdict.INFRASTRUCTURE_ERROR, duration_s=time.monotonic() - started, detail=str(error))
    finally:
        await runtime.remove(info.id)
    if result.exit_code == PREPARE_FAILED and result.stderr.startswith(PREPARE_MESSAGE.encode()):
        detail = result.stderr.decode(errors="replace")[:2000]
        return CheckRun(Verdict.INFRASTRUCTURE_ERROR, duration_s=time.monotonic() - started, detail=detail)
    return replace(classify(lesson, result, report, time.monotonic() - started), overload=overload)


async def _write_all(runtime: Runtime, env_id: str, files: FileSet, tests: FileSet, tests_into: str) -> None:
    for path, file in files.items():
        await runtime.write_file(env_id, path, file.data, file.mode)
    for path, file in tests.items():
        await runtime.write_file(env_id, str(Path(tests_into) / path), file.data, file.mode)


async def _report(runtime: Runtime, env_id: str, plan: CheckPlan, result: ExecResult) -> str | None:
    if plan.report is not ReportSource.WORKSPACE:
        return result.stdout.decode(errors="replace")
    try:
        return (await runtime.read_file(env_id, plan.report_path)).decode(errors="replace")
    except (SandboxError, FileNotFoundError):
        return None


RUNNING_MARK = b"practica: running "  # the pytest launcher's note of each test it starts (practica_pytest.py)


def timeout_detail(lesson: Lesson, result: ExecResult) -> str:
    """What the learner reads: the limit, and the test that was running when the launcher noted one."""
    running = [line[len(RUNNING_MARK) :] for line in result.stderr.splitlines() if line.startswith(RUNNING_MARK)]
    where = f" while running {running[-1].decode(errors='replace')[:300]}" if running else ""
    return f"The check stopped at the time limit (the limit is {lesson.limits.time_s:g} s){where}."


def classify(lesson: Lesson, result: ExecResult, report: str | None, duration_s: float) -> CheckRun:
    """Turn how the command ended and what it reported into a verdict; finished tests keep their result."""
    cases: list[CaseResult] = []
    detail = result.detail
    if report:
        try:
            cases = normalise(report, lesson.check.results.format.value)
        except ResultsFormatError as error:
            detail = str(error)
    if result.reason is EndReason.TIMEOUT:
        return CheckRun(Verdict.TIMEOUT, cases, duration_s, timeout_detail(lesson, result))
    if result.reason in _END_VERDICTS:
        return CheckRun(_END_VERDICTS[result.reason], cases, duration_s, detail or result.reason.value)
    if not cases:
        output = (result.stderr or result.stdout).decode(errors="replace")[-2000:]
        if result.exit_code != 0:
            return CheckRun(Verdict.FAILED, [], duration_s, output or f"the tests exited with {result.exit_code}")
        return CheckRun(Verdict.INFRASTRUCTURE_ERROR, [], duration_s, detail or "the tests reported no results")
    verdict = Verdict.FAILED if failing_cases(cases) or result.exit_code != 0 else Verdict.PASSED
    return CheckRun(verdict, cases, duration_s, detail)
