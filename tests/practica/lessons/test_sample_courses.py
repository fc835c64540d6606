"""The sample courses in ``courses/`` hold: they load, and every lesson's tests judge right in bubblewrap, steadily.

Each course is validated, then its reference solutions run :data:`STRESS_RUNS`
more times beside a CPU hog on every core: a test failing in any of those runs
is flaky and fails the suite every time, not once in a while (the lesson
``processes-and-signals`` once allowed half a second for a signal and failed
its own solution on a busy machine). Courses in a built environment (bats,
JavaScript, Go, Rust) run in its real Debian root file system, built once per
definition into a cache outside the clone (:mod:`tests.practica.built_environments`).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from practica.checks.stress import stress_lessons
from practica.checks.validation import validate_lesson
from practica.lessons.files import read_tree
from practica.lessons.format import LessonNetwork, ResultsFormat
from practica.lessons.loading import LoadedCourse, LoadedLesson, load
from practica.sandbox.environments import HOST
from practica.sandbox.registry import create_runtime
from practica.sandbox.settings import SandboxSettings
from tests.conftest import require_tool
from tests.practica.built_environments import build_or_reuse
from tests.practica.conftest import traversable_home

COURSES = Path(__file__).resolve().parents[3] / "courses"


@dataclass(frozen=True)
class Expected:
    """What a course must have: these lessons (by id), at least this many, all in one environment and format."""

    lessons: set[str]
    at_least: int
    environment: str = HOST
    results: ResultsFormat = ResultsFormat.JUNIT


REQUIRED = {
    "python-basics": Expected({"functions", "strings", "collections", "exceptions", "files", "classes"}, 6),
    "unix-shell": Expected(
        {"files-and-permissions", "pipes-and-filters", "processes-and-signals", "script-arguments"}, 4
    ),
    "networking": Expected({"http-server", "tcp-client"}, 2),
    "databases": Expected(set(), 2),
    "bash-testing": Expected({"greeting", "word-frequency", "rename-extension"}, 3, "bats", ResultsFormat.TAP),
    "javascript-basics": Expected({"fizzbuzz", "word-count", "bank-account"}, 3, "javascript", ResultsFormat.JUNIT),
    "go-basics": Expected({"hello", "word-count", "stack"}, 3, "go", ResultsFormat.GO_TEST_JSON),
    "rust-basics": Expected({"hello", "word-count", "bank-account"}, 3, "rust", ResultsFormat.LIBTEST_JSON),
}
# How each language's check starts: the runner, told to write its report into the platform's channel.
RUNNER_COMMANDS = {
    "bats": "exec bats --formatter tap13 {tests} >{report}",
    "javascript": "--test-reporter-destination={report}",
    "go": "go test -json",
    "rust": "--format json --report-time",
}
# Runs of each reference solution under load (two at a time on two cores). A test failing a loaded run half
# the time is caught with a chance of 1 - 0.5**5 = 97%, one failing it 4 times in 5 with 99.97%. The pass over
# all sixteen lessons costs ~30 s on a 2-core machine at a load of 3, about a minute when busy (README).
STRESS_RUNS = 5
# The first test also waits for the environments' builds: four debootstraps at once took ~4 min here (cold).
BUILD_AND_VALIDATE_TIMEOUT_S = 1800


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
    expected = REQUIRED[name]
    assert len(ids) >= expected.at_least
    assert expected.lessons <= set(ids)
    assert ids == course.course.lessons  # the directory names are the ids
    for loaded in course.lessons:
        lesson = loaded.lesson
        assert (loaded.directory / "task.md").is_file(), lesson.id
        assert lesson.task.startswith("# "), lesson.id
        assert lesson.environment == expected.environment, lesson.id
        assert lesson.network is LessonNetwork.NONE, lesson.id
        assert lesson.wrong_solutions, f"{lesson.id}: no known-wrong solution"
        # The report goes into the platform's report channel, the tests are where the platform puts them
        # (outside the workspace): the learner's files can neither replace the report nor a test.
        assert lesson.check.results.format is expected.results, lesson.id
        assert lesson.check.results.path is None, lesson.id
        if expected.environment == HOST:
            assert_pytest_check(loaded)
        else:
            command = " ".join(lesson.check.command)
            assert "{tests}" in command, lesson.id
            assert "{report}" in command, lesson.id
            assert RUNNER_COMMANDS[expected.environment] in command, lesson.id
            assert lesson.run, f"{lesson.id}: no run command"
        # The learner never sees the hidden tests; every wrong solution is a complete, different attempt.
        assert not (loaded.path(lesson.starter) / "tests").exists(), lesson.id
        solution = read_tree(loaded.path(lesson.solution))
        for wrong in lesson.wrong_solutions:
            attempt = read_tree(loaded.path(wrong.dir))
            assert set(attempt) == set(solution), f"{lesson.id}: {wrong.dir} lacks files of the solution"
            assert attempt != solution, f"{lesson.id}: {wrong.dir} is the solution"


def assert_pytest_check(loaded: LoadedLesson) -> None:
    """JUnit XML from the platform's pytest launcher: the workspace cannot configure the grader."""
    lesson = loaded.lesson
    assert "--junitxml={report}" in lesson.check.command, lesson.id
    assert lesson.check.command[-1] == "{tests}", lesson.id
    # Isolated Python through the platform's pytest launcher, and the hidden pytest.ini is found first.
    assert lesson.check.command[:3] == ["python3", "-I", "{pytest}"], lesson.id
    assert (loaded.path(lesson.tests) / "pytest.ini").is_file(), lesson.id


@pytest.fixture
def sandbox_home() -> Iterator[Path]:
    """A data directory the environments' uids can traverse (pytest's own tmp_path sits under a 0700 folder)."""
    home = traversable_home("practica-sample-courses-")
    yield home
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="module")
async def built_environments() -> None:
    """Every environment the courses use, built at once (debootstrap is mostly waiting on the network)."""
    names = sorted({expected.environment for expected in REQUIRED.values()} - {HOST})
    require_tool(shutil.which("debootstrap") is not None, "debootstrap (scripts/packages/test.txt)")
    require_tool(os.geteuid() == 0, "root (debootstrap)")
    home = traversable_home("practica-sample-builds-")
    try:
        await asyncio.gather(*(build_or_reuse(SandboxSettings(home=home), name) for name in names))
    finally:
        shutil.rmtree(home, ignore_errors=True)


# What each language environment's `apt_packages` and `setup` leave in its root file system.
SETUP_LEFT = {
    "bats": ["usr/lib/bats/bats-assert/load.bash"],
    "javascript": ["usr/share/nodejs/expect/package.json", "usr/share/nodejs/practica-jest-globals/index.js"],
    "go": ["var/cache/go-build/trim.txt", "usr/local/bin/go"],
    "rust": [".cargo/config.toml", "usr/local/bin/cargo"],
}


@pytest.mark.sandbox
@pytest.mark.timeout(BUILD_AND_VALIDATE_TIMEOUT_S)
@pytest.mark.usefixtures("built_environments")
@pytest.mark.parametrize("environment", sorted(SETUP_LEFT))
async def test_a_language_environment_is_built_with_its_setup(environment: str, sandbox_home: Path) -> None:
    rootfs = await build_or_reuse(SandboxSettings(home=sandbox_home), environment)
    for path in SETUP_LEFT[environment]:
        assert (rootfs / path).is_file(), f"{environment}: no /{path}"
    if environment == "go":
        go_env = next((rootfs / "usr/lib").glob("go-*/go.env")).read_text().splitlines()
        assert {"GOPROXY=off", "GOTOOLCHAIN=local", "GOCACHE=/tmp/go-build"} <= set(go_env)
        assert "GOTOOLCHAIN=auto" not in go_env


@pytest.mark.sandbox
@pytest.mark.timeout(BUILD_AND_VALIDATE_TIMEOUT_S)
@pytest.mark.usefixtures("host_load", "built_environments")
@pytest.mark.parametrize("name", sorted(REQUIRED))
async def test_course_validates_in_bubblewrap_also_under_load(name: str, sandbox_home: Path) -> None:
    require_tool(shutil.which("bwrap") is not None, "bubblewrap")
    require_tool(os.geteuid() == 0, "root (cgroups, loop mounts, per-environment uids)")
    course = load_course(name)
    # A uid range of this worker's own (other suites use 1, 2 and 3 million): two environments never share a uid.
    uid_base = 4_000_000 + (os.getpid() % 1000) * 1000
    settings = SandboxSettings(home=sandbox_home, uid_base=uid_base, uid_count=1000)
    if REQUIRED[name].environment != HOST:
        await build_or_reuse(settings, REQUIRED[name].environment)  # built by the fixture: only linked here
    runtime = create_runtime(settings, "bwrap")
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
