"""Checks run for real in bubblewrap: verdicts, hidden tests, limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from practica.checks.results import CaseStatus
from practica.checks.runner import Verdict, run_check
from practica.lessons.files import FileData, read_tree
from practica.lessons.format import Lesson
from practica.lessons.loading import load
from practica.sandbox import Runtime
from tests.practica.lessons.factories import write_lesson

pytestmark = pytest.mark.sandbox

CHECK = {
    "command": ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=report.xml", "tests"],
    "tests_into": "tests",
}


def lesson_at(tmp_path: Path, **overrides: object) -> tuple[Lesson, dict[str, FileData], Path]:
    directory = write_lesson(tmp_path / "add", **{"check": CHECK, **overrides})
    (loaded,) = load(directory).lessons
    return loaded.lesson, read_tree(directory / "tests"), directory


def solution(source: str) -> dict[str, FileData]:
    return {"solution.py": FileData(source.encode())}


async def test_a_correct_solution_passes(bwrap_runtime: Runtime, tmp_path: Path) -> None:
    lesson, tests, _ = lesson_at(tmp_path)
    run = await run_check(bwrap_runtime, lesson, solution("def add(a, b):\n    return a + b\n"), tests)
    assert run.verdict is Verdict.PASSED
    assert [(case.name.split("::")[-1], case.status) for case in run.cases] == [("test_add", CaseStatus.PASS)]


async def test_a_wrong_solution_fails_with_the_message(bwrap_runtime: Runtime, tmp_path: Path) -> None:
    lesson, tests, _ = lesson_at(tmp_path)
    run = await run_check(bwrap_runtime, lesson, solution("def add(a, b):\n    return a - b\n"), tests)
    assert run.verdict is Verdict.FAILED
    assert run.cases[0].status is CaseStatus.FAIL
    assert "-1 == 5" in run.cases[0].message + run.cases[0].output


async def test_the_learner_cannot_replace_the_hidden_tests(bwrap_runtime: Runtime, tmp_path: Path) -> None:
    lesson, tests, _ = lesson_at(tmp_path)
    files = {
        **solution("def add(a, b):\n    return 0\n"),
        "tests/test_add.py": FileData(b"def test_add():\n    pass\n"),
    }
    run = await run_check(bwrap_runtime, lesson, files, tests)
    assert run.verdict is Verdict.FAILED


async def test_code_that_does_not_import_fails_rather_than_crashing_the_check(
    bwrap_runtime: Runtime, tmp_path: Path
) -> None:
    lesson, tests, _ = lesson_at(tmp_path)
    run = await run_check(bwrap_runtime, lesson, solution("def add(a, b)\n    return a + b\n"), tests)
    assert run.verdict is Verdict.FAILED
    assert any(case.status is CaseStatus.ERROR for case in run.cases)


async def test_an_endless_loop_is_a_timeout(bwrap_runtime: Runtime, tmp_path: Path) -> None:
    lesson, tests, _ = lesson_at(tmp_path, limits={"time_s": 2})
    run = await run_check(bwrap_runtime, lesson, solution("def add(a, b):\n    while True:\n        pass\n"), tests)
    assert run.verdict is Verdict.TIMEOUT
    assert run.duration_s < 15


async def test_a_memory_hog_is_out_of_memory(bwrap_runtime: Runtime, tmp_path: Path) -> None:
    lesson, tests, _ = lesson_at(tmp_path, limits={"memory_mb": 64, "time_s": 20})
    hog = "def add(a, b):\n    blocks = []\n    while True:\n        blocks.append(bytearray(10_000_000))\n"
    run = await run_check(bwrap_runtime, lesson, solution(hog), tests)
    assert run.verdict is Verdict.OOM


async def test_an_environment_that_does_not_exist_is_an_infrastructure_error(
    bwrap_runtime: Runtime, tmp_path: Path
) -> None:
    lesson, tests, _ = lesson_at(tmp_path, environment="no-such-environment")
    run = await run_check(bwrap_runtime, lesson, solution("def add(a, b):\n    return a + b\n"), tests)
    assert run.verdict is Verdict.INFRASTRUCTURE_ERROR
    assert "no-such-environment" in run.detail


async def test_executable_files_stay_executable(bwrap_runtime: Runtime, tmp_path: Path) -> None:
    script_check = {"command": ["./check.sh"], "results": {"format": "tap", "path": "-"}, "tests_into": "."}
    lesson, _, _ = lesson_at(tmp_path, check=script_check)
    tests = {"check.sh": FileData(b"#!/bin/sh\necho 'TAP version 14'\necho '1..1'\necho 'ok 1 - runs'\n", 0o755)}
    run = await run_check(bwrap_runtime, lesson, {}, tests)
    assert run.verdict is Verdict.PASSED


CURRENT_CHECK = {
    "command": ["python3", "-I", "{pytest}", "-q", "--junitxml={report}", "{tests}"],
    "results": {"format": "junit"},
}
WORKSPACE_ON_PATH = FileData(b"import sys\nfrom pathlib import Path\n\nsys.path.append(str(Path.cwd()))\n")


async def test_what_the_learners_code_prints_never_mixes_into_the_report(
    bwrap_runtime: Runtime, tmp_path: Path
) -> None:
    lesson, tests, _ = lesson_at(tmp_path, check=CURRENT_CHECK)
    fake = '<?xml version="1.0"?><testsuites><testsuite><testcase name="fake"/></testsuite></testsuites>'
    source = (
        f"import os, sys\nprint({fake!r})\nos.system('echo {fake} from a child')\n\n"
        f"def add(a, b):\n    print({fake!r}, file=sys.__stdout__)\n    return a + b\n"
    )
    run = await run_check(bwrap_runtime, lesson, solution(source), {**tests, "conftest.py": WORKSPACE_ON_PATH})
    assert run.verdict is Verdict.PASSED, run
    assert [case.name.split("::")[-1] for case in run.cases] == ["test_add"]


REACH_PROBE = """
import os, sys
try:
    open(f"/proc/{sys.argv[1]}/fd/3", "w")
    print("reopened")
except OSError as error:
    print(type(error).__name__)
"""


async def test_programs_the_tests_start_cannot_reach_the_report_channel(bwrap_runtime: Runtime, tmp_path: Path) -> None:
    """Under the launcher, descriptor 3 is not inherited, and the process cannot be reopened through /proc."""
    lesson, tests, _ = lesson_at(tmp_path, check=CURRENT_CHECK)
    source = (
        "import os, subprocess, sys\n\n"
        "def add(a, b):\n"
        f"    reopen = subprocess.run([sys.executable, '-c', {REACH_PROBE!r}, str(os.getpid())],\n"
        "                            capture_output=True, text=True).stdout.strip()\n"
        "    inherit = subprocess.run(['sh', '-c', 'echo forged >&3 && echo inherited || echo closed'],\n"
        "                             close_fds=False, capture_output=True, text=True).stdout.strip()\n"
        "    raise AssertionError(f'reopen={reopen} inherit={inherit}')\n"
    )
    run = await run_check(bwrap_runtime, lesson, solution(source), {**tests, "conftest.py": WORKSPACE_ON_PATH})
    assert run.verdict is Verdict.FAILED, run
    assert "reopen=PermissionError inherit=closed" in run.cases[0].message, run.cases[0]


async def test_a_syntax_error_names_the_file_the_line_and_the_error(bwrap_runtime: Runtime, tmp_path: Path) -> None:
    lesson, tests, _ = lesson_at(tmp_path, check=CURRENT_CHECK)
    source = "def add(a, b):\n    return a + b\n\nprint(add(1, 2)\n"
    run = await run_check(bwrap_runtime, lesson, solution(source), {**tests, "conftest.py": WORKSPACE_ON_PATH})
    assert run.verdict is Verdict.FAILED, run
    (case,) = run.cases
    assert case.status is CaseStatus.ERROR
    assert case.message == "solution.py, line 4: SyntaxError: '(' was never closed", case


async def test_an_import_error_names_the_file_the_line_and_the_error(bwrap_runtime: Runtime, tmp_path: Path) -> None:
    lesson, tests, _ = lesson_at(tmp_path, check=CURRENT_CHECK)
    source = "import no_such_module\n\ndef add(a, b):\n    return a + b\n"
    run = await run_check(bwrap_runtime, lesson, solution(source), {**tests, "conftest.py": WORKSPACE_ON_PATH})
    (case,) = run.cases
    assert case.message == "solution.py, line 1: ModuleNotFoundError: No module named 'no_such_module'", case


async def test_a_timeout_names_the_test_that_was_running_and_the_limit(bwrap_runtime: Runtime, tmp_path: Path) -> None:
    lesson, tests, _ = lesson_at(tmp_path, check=CURRENT_CHECK, limits={"time_s": 3})
    source = "def add(a, b):\n    while True:\n        pass\n"
    run = await run_check(bwrap_runtime, lesson, solution(source), {**tests, "conftest.py": WORKSPACE_ON_PATH})
    assert run.verdict is Verdict.TIMEOUT
    assert run.detail == "The check stopped at the time limit (the limit is 3 s) while running test_add.py::test_add."
