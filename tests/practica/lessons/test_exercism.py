"""``practica course import-exercism``: an Exercism-shaped track becomes a course that validates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from practica.checks.validation import validate_lesson
from practica.cli import app
from practica.lessons.exercism import convert
from practica.lessons.loading import load
from practica.sandbox import Runtime

STUB = "def two_fer(name='you'):\n    pass\n"
EXAMPLE = "def two_fer(name='you'):\n    return f'One for {name}, one for me.'\n"
TESTS = (
    "import unittest\n\nfrom two_fer import two_fer\n\n\n"
    "class TwoFerTest(unittest.TestCase):\n"
    "    def test_no_name(self):\n        self.assertEqual(two_fer(), 'One for you, one for me.')\n\n"
    "    def test_a_name(self):\n        self.assertEqual(two_fer('Alice'), 'One for Alice, one for me.')\n"
)


def write_exercise(root: Path, slug: str, *, example: bool = True, module: str = "two_fer") -> Path:
    exercise = root / "exercises" / "practice" / slug
    (exercise / ".meta").mkdir(parents=True)
    (exercise / ".docs").mkdir()
    files = {"solution": [f"{module}.py"], "test": [f"{module}_test.py"]}
    if example:
        files["example"] = [".meta/example.py"]
        (exercise / ".meta" / "example.py").write_text(EXAMPLE.replace("two_fer", module))
    (exercise / ".meta" / "config.json").write_text(json.dumps({"files": files, "blurb": "Share."}))
    (exercise / ".docs" / "instructions.md").write_text(f"# {slug}\n\nReturn the sharing sentence.\n")
    (exercise / f"{module}.py").write_text(STUB.replace("two_fer", module))
    (exercise / f"{module}_test.py").write_text(TESTS.replace("two_fer", module))
    return exercise


def make_track(root: Path) -> Path:
    write_exercise(root, "two-fer")
    write_exercise(root, "share", module="share")
    write_exercise(root, "broken", example=False)
    return root


def test_a_track_converts_and_lists_what_it_could_not(tmp_path: Path) -> None:
    result = convert(make_track(tmp_path / "python"), tmp_path / "course")
    assert sorted(result.converted) == ["share", "two-fer"]
    assert result.skipped == {"broken": "no reference solution (files.example or files.exemplar) to validate against"}
    course = load(tmp_path / "course")
    assert course.course is not None
    assert [lesson.lesson.id for lesson in course.lessons] == ["share", "two-fer"]
    lesson_dir = tmp_path / "course" / "two-fer"
    assert (lesson_dir / "solution" / "two_fer.py").read_text() == EXAMPLE
    assert (lesson_dir / "starter" / "two_fer.py").read_text() == STUB
    assert not (tmp_path / "course" / "broken").exists()


def test_the_command_prints_the_table_and_exits_1_when_nothing_converts(tmp_path: Path) -> None:
    track = make_track(tmp_path / "python")
    result = CliRunner().invoke(app, ["course", "import-exercism", str(track), str(tmp_path / "course")])
    assert result.exit_code == 0, result.output
    assert "2 converted, 1 skipped" in result.output
    empty = tmp_path / "empty"
    write_exercise(empty, "broken", example=False)
    result = CliRunner().invoke(app, ["course", "import-exercism", str(empty), str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "0 converted, 1 skipped" in result.output


def test_a_directory_without_exercises_is_named(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["course", "import-exercism", str(tmp_path), str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "no Exercism exercise found" in result.output


@pytest.mark.sandbox
async def test_converted_lessons_validate_in_a_real_sandbox(bwrap_runtime: Runtime, tmp_path: Path) -> None:
    convert(make_track(tmp_path / "python"), tmp_path / "course")
    for loaded in load(tmp_path / "course").lessons:
        findings = await validate_lesson(bwrap_runtime, loaded)
        assert [(f.candidate, f.ok) for f in findings] == [("starter", True), ("solution", True)], [
            f.problem for f in findings
        ]
