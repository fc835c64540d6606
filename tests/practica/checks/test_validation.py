"""``practica lesson validate`` proves, in bubblewrap, that a lesson's tests judge right."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from practica.checks.validation import validate_lesson
from practica.cli import app
from practica.lessons.loading import load
from practica.sandbox import Runtime
from tests.practica.conftest import traversable_home
from tests.practica.lessons.factories import write_course, write_lesson

pytestmark = pytest.mark.sandbox

CHECK = {
    "command": ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=report.xml", "tests"],
    "tests_into": "tests",
}


async def findings_for(runtime: Runtime, directory: Path) -> dict[str, tuple[bool, str]]:
    (loaded,) = load(directory).lessons
    return {f.candidate: (f.ok, f.problem) for f in await validate_lesson(runtime, loaded)}


async def test_a_sound_lesson_holds(bwrap_runtime: Runtime, tmp_path: Path) -> None:
    directory = write_lesson(tmp_path / "add", check=CHECK, wrong_solutions=[{"dir": "wrong", "why": "subtracts"}])
    (directory / "wrong").mkdir()
    (directory / "wrong" / "solution.py").write_text("def add(a, b):\n    return a - b\n")
    assert await findings_for(bwrap_runtime, directory) == {
        "starter": (True, ""),
        "solution": (True, ""),
        "wrong:wrong": (True, ""),
    }


async def test_tests_that_miss_a_wrong_solution_are_reported(bwrap_runtime: Runtime, tmp_path: Path) -> None:
    directory = write_lesson(tmp_path / "add", check=CHECK, wrong_solutions=[{"dir": "wrong", "why": "swaps"}])
    (directory / "wrong").mkdir()
    (directory / "wrong" / "solution.py").write_text("def add(a, b):\n    return b + a\n")
    found = await findings_for(bwrap_runtime, directory)
    assert found["wrong:wrong"] == (False, "the tests pass: they do not catch this version")


async def test_a_solution_that_fails_or_is_too_slow_is_reported(bwrap_runtime: Runtime, tmp_path: Path) -> None:
    # Half the limit is the reference's budget; the other half leaves a loaded host's run room to finish
    # rather than time out (a 4 s limit once did, with another message).
    directory = write_lesson(tmp_path / "add", check=CHECK, limits={"time_s": 12})
    (directory / "solution" / "solution.py").write_text(
        "import time\n\ndef add(a, b):\n    time.sleep(6.5)\n    return a + b\n"
    )
    ok, problem = (await findings_for(bwrap_runtime, directory))["solution"]
    assert not ok
    assert "must finish within 6.0 s" in problem


def test_the_command_exits_0_only_when_everything_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = write_course(tmp_path / "good", ["add"])
    monkeypatch.setenv("PRACTICA_SANDBOX_HOME", str(traversable_home("practica-validate-cli-")))
    monkeypatch.setenv("PRACTICA_SANDBOX_UID_BASE", "3000000")
    result = CliRunner().invoke(app, ["lesson", "validate", str(good)])
    assert result.exit_code == 0, result.output
    assert "1 lesson(s) valid (2 runs)" in result.output
    (good / "add" / "solution" / "solution.py").write_text("def add(a, b):\n    return 0\n")
    result = CliRunner().invoke(app, ["lesson", "validate", str(good)])
    assert result.exit_code == 1
    assert "1 of 2 runs did not hold" in result.output


def test_a_format_problem_exits_1_before_running_anything(tmp_path: Path) -> None:
    directory = write_lesson(tmp_path / "add", raw="id: Add!\n")
    result = CliRunner().invoke(app, ["lesson", "validate", str(directory)])
    assert result.exit_code == 1
    assert result.output.startswith("lesson.yaml:1: ")


async def test_a_wrong_solution_missing_a_solution_file_is_reported(bwrap_runtime: Runtime, tmp_path: Path) -> None:
    directory = write_lesson(tmp_path / "add", check=CHECK, wrong_solutions=[{"dir": "wrong", "why": "empty"}])
    (directory / "wrong").mkdir()
    (directory / "wrong" / "notes.txt").write_text("nothing here")
    ok, problem = (await findings_for(bwrap_runtime, directory))["wrong:wrong"]
    assert not ok
    assert problem.startswith("lacks solution.py")
