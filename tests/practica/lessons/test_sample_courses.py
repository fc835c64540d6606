"""The sample courses in ``courses/`` hold: they load, and every lesson's tests judge right in bubblewrap, steadily.

Each course is validated, then its reference solutions run :data:`STRESS_RUNS`
more times beside a CPU hog on every core: a test failing in any of those runs
is flaky and fails the suite every time, not once in a while (the lesson
``processes-and-signals`` once allowed half a second for a signal and failed
its own solution on a busy machine).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from practica.checks.stress import stress_lessons
from practica.checks.validation import validate_lesson
from practica.lessons.files import read_tree
from practica.lessons.format import LessonNetwork, ResultsFormat
from practica.lessons.loading import LoadedCourse, load
from practica.sandbox.registry import create_runtime
from practica.sandbox.settings import SandboxSettings
from tests.conftest import require_tool
from tests.practica.conftest import traversable_home

COURSES = Path(__file__).resolve().parents[3] / "courses"

# The lessons each course must have (by id), and how many it must have at least.
REQUIRED = {
    "python-basics": ({"functions", "strings", "collections", "exceptions", "files", "classes"}, 6),
    "unix-shell": ({"files-and-permissions", "pipes-and-filters", "processes-and-signals", "script-arguments"}, 4),
    "networking": ({"http-server", "tcp-client"}, 2),
    "databases": (set(), 2),
}
# Runs of each reference solution under load (two at a time on two cores). A test failing a loaded run half
# the time is caught with a chance of 1 - 0.5**5 = 97%, one failing it 4 times in 5 with 99.97%. The pass over
# all sixteen lessons costs ~30 s on a 2-core machine at a load of 3, about a minute when busy (README).
STRESS_RUNS = 5


def load_course(name: str) -> LoadedCourse:
    return load(COURSES / name)  # raises LessonFormatError, listing every problem, if anything is off


def test_every_course_directory_is_covered() -> None:
    found = {path.parent.name for path in COURSES.glob("*/course.yaml")}
    assert found == set(REQUIRED)


@pytest.mark.parametrize("name", sorted(REQUIRED))
def test_course_loads_with_its_lessons(name: str) -> None:
    course = load_course(name)
    assert course.course is not None
    assert course.course.id == name
    ids = [loaded.lesson.id for loaded in course.lessons]
    wanted, at_least = REQUIRED[name]
    assert len(ids) >= at_least
    assert wanted <= set(ids)
    assert ids == course.course.lessons  # the directory names are the ids
    for loaded in course.lessons:
        lesson = loaded.lesson
        assert (loaded.directory / "task.md").is_file(), lesson.id
        assert lesson.task.startswith("# "), lesson.id
        assert lesson.environment == "host", lesson.id
        assert lesson.network is LessonNetwork.NONE, lesson.id
        assert lesson.wrong_solutions, f"{lesson.id}: no known-wrong solution"
        # JUnit XML into the platform's report channel, the tests where the platform puts them (outside the
        # workspace): the learner's code can neither rewrite the report nor read the tests once collected.
        assert lesson.check.results.format is ResultsFormat.JUNIT, lesson.id
        assert lesson.check.results.path is None, lesson.id
        assert "--junitxml={report}" in lesson.check.command, lesson.id
        assert lesson.check.command[-1] == "{tests}", lesson.id
        # The workspace cannot configure the grader: isolated Python through the platform's pytest launcher,
        # and the hidden pytest.ini is found first.
        assert lesson.check.command[:3] == ["python3", "-I", "{pytest}"], lesson.id
        assert (loaded.path(lesson.tests) / "pytest.ini").is_file(), lesson.id
        # The learner never sees the hidden tests; every wrong solution is a complete, different attempt.
        assert not (loaded.path(lesson.starter) / "tests").exists(), lesson.id
        solution = read_tree(loaded.path(lesson.solution))
        for wrong in lesson.wrong_solutions:
            attempt = read_tree(loaded.path(wrong.dir))
            assert set(attempt) == set(solution), f"{lesson.id}: {wrong.dir} lacks files of the solution"
            assert attempt != solution, f"{lesson.id}: {wrong.dir} is the solution"


@pytest.fixture
def sandbox_home() -> Iterator[Path]:
    """A data directory the environments' uids can traverse (pytest's own tmp_path sits under a 0700 folder)."""
    home = traversable_home("practica-sample-courses-")
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.mark.sandbox
@pytest.mark.usefixtures("host_load")
@pytest.mark.parametrize("name", sorted(REQUIRED))
async def test_course_validates_in_bubblewrap_also_under_load(name: str, sandbox_home: Path) -> None:
    require_tool(shutil.which("bwrap") is not None, "bubblewrap")
    require_tool(os.geteuid() == 0, "root (cgroups, loop mounts, per-environment uids)")
    course = load_course(name)
    # A uid range of this worker's own (other suites use 1, 2 and 3 million): two environments never share a uid.
    uid_base = 4_000_000 + (os.getpid() % 1000) * 1000
    runtime = create_runtime(SandboxSettings(home=sandbox_home, uid_base=uid_base, uid_count=1000), "bwrap")
    findings = []
    try:
        for loaded in course.lessons:
            findings += await validate_lesson(runtime, loaded)
        flaky = await stress_lessons(runtime, course.lessons, STRESS_RUNS)
    finally:
        for info in await runtime.list_environments():
            await runtime.remove(info.id)
        await runtime.close()
    problems = [f"{f.lesson} {f.candidate}: expected {f.expected}: {f.problem}" for f in findings if not f.ok]
    problems += [f"{item.lesson}: flaky: {item.describe()}: {item.message[:300]}" for item in flaky]
    for problem in problems:
        print(problem)
    assert not problems, "\n".join(problems)
    assert {f.lesson for f in findings} == {loaded.lesson.id for loaded in course.lessons}
