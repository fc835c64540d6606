"""The validation report of a draft: what ``practica lesson validate`` prints, as data.

Per lesson: do the tests fail on the starter files, fail on each known-wrong
solution, pass on the reference solution, and how long the reference took
against the time allowed (half the lesson's limit, see
:data:`practica.lessons.validate.TIME_MARGIN`).
"""

from __future__ import annotations

from pydantic import BaseModel

from practica.checks.runner import Verdict
from practica.lessons.loading import LoadedCourse, LoadedLesson
from practica.lessons.validate import TIME_MARGIN, Finding

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


class ValidationReport(BaseModel):
    ok: bool
    runs: int
    failed_runs: int
    lessons: list[LessonReport]


def run_report(finding: Finding) -> RunReport:
    run = finding.run
    return RunReport(
        candidate=finding.candidate, expected=finding.expected, verdict=run.verdict.value, tests_passed=run.passed,
        tests_total=len(run.cases), duration_s=round(run.duration_s, 3), ok=finding.ok, problem=finding.problem,
    )  # fmt: skip


def lesson_report(loaded: LoadedLesson, findings: list[Finding]) -> LessonReport:
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
    )


def course_report(course: LoadedCourse, findings: list[Finding]) -> ValidationReport:
    lessons = [
        lesson_report(loaded, [finding for finding in findings if finding.lesson == loaded.lesson.id])
        for loaded in course.lessons
    ]
    failed = sum(not finding.ok for finding in findings)
    return ValidationReport(ok=failed == 0, runs=len(findings), failed_runs=failed, lessons=lessons)
