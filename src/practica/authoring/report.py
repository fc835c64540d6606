"""The validation report of a draft: what ``practica lesson validate --stress N`` prints, as data.

Per lesson: do the tests fail on the starter files, fail on each known-wrong
solution, pass on the reference solution, and how long the reference took
against the time allowed (half the lesson's limit, see
:data:`practica.checks.validation.TIME_MARGIN`); then which tests failed the
reference solution in some of the runs under load (:mod:`practica.checks.stress`),
and how often. A report stored before the stress pass existed reads as one
without it (``stress_runs`` 0).
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from practica.checks.runner import Verdict
from practica.checks.stress import Flaky
from practica.checks.validation import TIME_MARGIN, Finding
from practica.lessons.loading import LoadedCourse, LoadedLesson

WRONG = "wrong:"


class RunReport(BaseModel):
    candidate: str  # starter | solution | wrong:<dir>
    expected: str  # pass | fail
    verdict: str
    tests_passed: int
    tests_total: int
    duration_s: float
    ok: bool
    problem: str


class FlakyTest(BaseModel):
    candidate: str  # solution (a test failed it) | starter | wrong:<dir> (the tests passed it)
    test: str  # the test's name; "" for a verdict that flipped
    failed_runs: int
    runs: int
    summary: str  # "test_x[SIGINT]: failed 2 of 10 runs under load"
    message: str  # what the first of those runs said


class LessonReport(BaseModel):
    slug: str
    title: str
    ok: bool
    starter_fails: bool
    wrong_solutions_fail: dict[str, bool]  # by directory
    reference_passes: bool
    reference_time_s: float | None
    time_allowed_s: float
    time_limit_s: float
    runs: list[RunReport]
    flaky: list[FlakyTest] = Field(default_factory=list, description="Tests that judged differently under load.")


class ValidationReport(BaseModel):
    ok: bool = Field(description="Every run held (flaky tests aside: see `flaky_tests`).")
    runs: int
    failed_runs: int
    stress_runs: int = Field(0, description="Runs of each reference solution under load (0: no stress pass).")
    flaky_tests: int = Field(0, description="Flaky tests in all lessons: publishing then needs `allow_flaky`.")
    lessons: list[LessonReport]

    def flaky_summaries(self) -> list[str]:
        """``lesson: test_x: failed 2 of 3 runs under load`` for every flaky test."""
        return [f"{lesson.slug}: {flaky.summary}" for lesson in self.lessons for flaky in lesson.flaky]


def run_report(finding: Finding) -> RunReport:
    run = finding.run
    return RunReport(
        candidate=finding.candidate, expected=finding.expected, verdict=run.verdict.value, tests_passed=run.passed,
        tests_total=len(run.cases), duration_s=round(run.duration_s, 3), ok=finding.ok, problem=finding.problem,
    )  # fmt: skip


def flaky_test(flaky: Flaky) -> FlakyTest:
    return FlakyTest(
        candidate=flaky.candidate, test=flaky.test, failed_runs=flaky.times, runs=flaky.runs,
        summary=flaky.describe(), message=flaky.message[:500],
    )  # fmt: skip


def lesson_report(loaded: LoadedLesson, findings: list[Finding], flaky: Sequence[Flaky] = ()) -> LessonReport:
    lesson = loaded.lesson
    by_candidate = {finding.candidate: finding for finding in findings}
    reference = by_candidate.get("solution")
    starter = by_candidate.get("starter")
    return LessonReport(
        slug=lesson.id,
        title=lesson.title,
        ok=all(finding.ok for finding in findings),
        starter_fails=starter is not None and starter.ok,
        wrong_solutions_fail={
            name.removeprefix(WRONG): finding.ok for name, finding in by_candidate.items() if name.startswith(WRONG)
        },
        reference_passes=reference is not None and reference.run.verdict is Verdict.PASSED,
        reference_time_s=round(reference.run.duration_s, 3) if reference is not None else None,
        time_allowed_s=lesson.limits.time_s * TIME_MARGIN,
        time_limit_s=lesson.limits.time_s,
        runs=[run_report(finding) for finding in findings],
        flaky=[flaky_test(item) for item in flaky],
    )


def course_report(
    course: LoadedCourse, findings: list[Finding], flaky: Sequence[Flaky] = (), stress_runs: int = 0
) -> ValidationReport:
    lessons = [
        lesson_report(
            loaded,
            [finding for finding in findings if finding.lesson == loaded.lesson.id],
            [item for item in flaky if item.lesson == loaded.lesson.id],
        )
        for loaded in course.lessons
    ]
    failed = sum(not finding.ok for finding in findings)
    return ValidationReport(
        ok=failed == 0, runs=len(findings), failed_runs=failed, stress_runs=stress_runs, flaky_tests=len(flaky),
        lessons=lessons,
    )  # fmt: skip
