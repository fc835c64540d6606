"""Proving a lesson teaches what it claims, in a real environment.

For each lesson: the hidden tests must fail on the starter files, fail on
every known-wrong solution, pass on the reference solution, and the passing
run must finish within half the lesson's time limit (the margin keeps a busy
host from failing correct learners).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from practica.checks.runner import CheckRun, Verdict, run_check
from practica.lessons.files import FileData, read_tree
from practica.lessons.loading import LoadedLesson
from practica.sandbox.runtime import Runtime

TIME_MARGIN = 0.5


@dataclass(frozen=True)
class Finding:
    lesson: str
    candidate: str  # starter | solution | wrong:<dir>
    expected: str
    run: CheckRun
    ok: bool
    problem: str = ""


def candidates(loaded: LoadedLesson) -> list[tuple[str, dict[str, FileData], bool]]:
    """(name, files, should pass) for every version of the lesson's code.

    The solution and each wrong solution are laid over the starter files.
    """
    lesson = loaded.lesson
    starter = read_tree(loaded.path(lesson.starter))
    versions = [("starter", starter, False), ("solution", {**starter, **read_tree(loaded.path(lesson.solution))}, True)]
    for wrong in lesson.wrong_solutions:
        versions.append((f"wrong:{wrong.dir}", {**starter, **read_tree(loaded.path(wrong.dir))}, False))
    return versions


def incomplete_wrong_solutions(loaded: LoadedLesson) -> list[Finding]:
    """A wrong solution must replace every file the solution does, or it fails only for the starter's stubs."""
    lesson = loaded.lesson
    solution_files = set(read_tree(loaded.path(lesson.solution)))
    findings = []
    for wrong in lesson.wrong_solutions:
        missing = sorted(solution_files - set(read_tree(loaded.path(wrong.dir))))
        if missing:
            problem = f"lacks {', '.join(missing)}, which the solution has: it would fail for the starter's stubs"
            run = CheckRun(Verdict.INFRASTRUCTURE_ERROR, detail=problem)
            findings.append(Finding(lesson.id, f"wrong:{wrong.dir}", "fail", run, False, problem))
    return findings


async def validate_lesson(
    runtime: Runtime, loaded: LoadedLesson, progress: Callable[[str], None] = lambda _: None
) -> list[Finding]:
    lesson = loaded.lesson
    tests = read_tree(loaded.path(lesson.tests))
    findings = incomplete_wrong_solutions(loaded)
    incomplete = {finding.candidate for finding in findings}
    for name, files, should_pass in candidates(loaded):
        if name in incomplete:
            continue
        progress(f"{lesson.id}: {name}")
        run = await run_check(runtime, lesson, files, tests)
        findings.append(judge(loaded, name, run, should_pass))
    return findings


def judge(loaded: LoadedLesson, name: str, run: CheckRun, should_pass: bool) -> Finding:
    lesson = loaded.lesson
    expected = "pass" if should_pass else "fail"
    if run.verdict is Verdict.INFRASTRUCTURE_ERROR:
        return Finding(lesson.id, name, expected, run, False, f"could not run: {run.detail}")
    if should_pass and run.verdict is not Verdict.PASSED:
        return Finding(lesson.id, name, expected, run, False, _why_not_passed(run))
    if not should_pass and run.verdict is Verdict.PASSED:
        return Finding(lesson.id, name, expected, run, False, "the tests pass: they do not catch this version")
    limit = lesson.limits.time_s
    if should_pass and run.duration_s > limit * TIME_MARGIN:
        problem = f"took {run.duration_s:.1f} s; must finish within {limit * TIME_MARGIN:.1f} s (half the limit)"
        return Finding(lesson.id, name, expected, run, False, problem)
    return Finding(lesson.id, name, expected, run, True)


def _why_not_passed(run: CheckRun) -> str:
    if run.failing:
        first = run.failing[0]
        return f"{run.verdict.value}: {first.name}: {first.message[:200]}"
    return f"{run.verdict.value}: {run.detail[:300]}"
