"""Turning an Exercism track or exercise (Python) into a course in Practica's format.

An Exercism exercise names its files in ``.meta/config.json``: the stub the
learner edits (``solution``), the tests (``test``) and the reference
(``example`` for practice exercises, ``exemplar`` for concept ones); the task
is ``.docs/instructions.md`` (with ``introduction.md`` before it and
``instructions.append.md`` after it when present). Each becomes a lesson
directory: starter = the stubs, tests = the tests (hidden, with a conftest
and pytest.ini that keep the learner's files from changing the grader),
solution = the reference saved under the stubs' names.
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

CHECK = {
    "command": [
        "python3", "-I", "{pytest}", "-q", "-p", "no:cacheprovider",
        "-o", "junit_logging=all", "--junitxml={report}", "{tests}",
    ],
    "results": {"format": "junit"},
}  # fmt: skip
TESTS_CONFTEST = '''"""The learner's files are in the workspace, where the check runs: importable, after the stdlib."""

import sys
from pathlib import Path

sys.path.append(str(Path.cwd()))
'''
TESTS_PYTEST_INI = (
    "# Hidden with the tests: makes their directory the rootdir, so the learner's config is never read.\n[pytest]\n"
)
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


class ExerciseError(ValueError):
    """This exercise cannot be converted; the message says why."""


@dataclass
class Conversion:
    converted: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # exercise directory -> reason


def exercise_directories(source: Path) -> list[Path]:
    """One exercise (``.meta/config.json`` inside) or every exercise of a track."""
    if (source / ".meta" / "config.json").is_file():
        return [source]
    roots = [source / "exercises" / "concept", source / "exercises" / "practice", source / "exercises", source]
    for root in roots:
        found = sorted(path.parent.parent for path in root.glob("*/.meta/config.json"))
        if found:
            return found
    return []


def convert(source: Path, destination: Path) -> Conversion:
    """Write a course at ``destination``; exercises that cannot be converted are listed, not fatal."""
    result = Conversion()
    exercises = exercise_directories(source)
    if not exercises:
        raise ExerciseError(f"{source}: no Exercism exercise found (no .meta/config.json)")
    destination.mkdir(parents=True, exist_ok=True)
    for exercise in exercises:
        try:
            convert_exercise(exercise, destination / exercise.name)
        except ExerciseError as error:
            shutil.rmtree(destination / exercise.name, ignore_errors=True)
            result.skipped[exercise.name] = str(error)
            continue
        result.converted.append(exercise.name)
    if result.converted:
        _write_course(source, destination, result.converted)
    return result


def convert_exercise(exercise: Path, lesson_dir: Path) -> None:
    config = _config(exercise)
    files = config.get("files") or {}
    stubs = _paths(exercise, files, "solution")
    tests = _paths(exercise, files, "test")
    references = _paths(exercise, files, "example") or _paths(exercise, files, "exemplar")
    if not SLUG.match(exercise.name):
        raise ExerciseError(f"the directory name {exercise.name!r} is not a lesson id (a-z, 0-9, -)")
    if not stubs or not tests:
        raise ExerciseError(".meta/config.json names no solution or no test files")
    if not references:
        raise ExerciseError("no reference solution (files.example or files.exemplar) to validate against")
    if any(path.suffix != ".py" for path in [*stubs, *tests, *references]):
        raise ExerciseError("only Python exercises can be converted")
    if len(references) != len(stubs):
        raise ExerciseError(f"{len(references)} reference file(s) for {len(stubs)} solution file(s)")
    _write_lesson(exercise, lesson_dir, config, stubs, tests, references)


def _config(exercise: Path) -> dict[str, Any]:
    try:
        config = json.loads((exercise / ".meta" / "config.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ExerciseError(f".meta/config.json cannot be read: {error}") from None
    if not isinstance(config, dict):
        raise ExerciseError(".meta/config.json is not a JSON object")
    return config


def _paths(exercise: Path, files: dict[str, Any], kind: str) -> list[Path]:
    names = files.get(kind) or []
    paths = [(exercise / name).resolve() for name in names if isinstance(name, str)]
    for path in paths:
        if not path.is_relative_to(exercise.resolve()):
            raise ExerciseError(f"files.{kind} leaves the exercise directory")
        if not path.is_file():
            raise ExerciseError(f"files.{kind} names {path.relative_to(exercise.resolve())}, which does not exist")
    return paths


def _write_lesson(
    exercise: Path, lesson_dir: Path, config: dict[str, Any], stubs: list[Path], tests: list[Path], refs: list[Path]
) -> None:
    for folder in ("starter", "tests", "solution"):
        (lesson_dir / folder).mkdir(parents=True, exist_ok=True)
    for stub, reference in zip(stubs, refs, strict=True):
        shutil.copyfile(stub, lesson_dir / "starter" / stub.name)
        shutil.copyfile(reference, lesson_dir / "solution" / stub.name)
    for test in tests:
        shutil.copyfile(test, lesson_dir / "tests" / test.name)
    (lesson_dir / "tests" / "conftest.py").write_text(TESTS_CONFTEST)
    (lesson_dir / "tests" / "pytest.ini").write_text(TESTS_PYTEST_INI)
    (lesson_dir / "task.md").write_text(_task(exercise, config))
    lesson = {"id": exercise.name, "title": _title(exercise, config), "environment": "host", "check": CHECK}
    (lesson_dir / "lesson.yaml").write_text(yaml.safe_dump(lesson, sort_keys=False, width=200))


def _task(exercise: Path, config: dict[str, Any]) -> str:
    docs = exercise / ".docs"
    parts = [docs / name for name in ("introduction.md", "instructions.md", "instructions.append.md")]
    text = "\n\n".join(part.read_text(encoding="utf-8").strip() for part in parts if part.is_file())
    if not text:
        text = str(config.get("blurb") or "").strip()
    if not text:
        raise ExerciseError("no instructions (.docs/instructions.md) and no blurb")
    return text + "\n"


def _title(exercise: Path, config: dict[str, Any]) -> str:
    title = config.get("title") or config.get("name")
    return str(title) if title else exercise.name.replace("-", " ").capitalize()


def _write_course(source: Path, destination: Path, lessons: list[str]) -> None:
    track = source.resolve().name
    course_id = re.sub(r"[^a-z0-9-]+", "-", destination.resolve().name.lower()).strip("-")[:63] or "exercism"
    course = {
        "id": course_id,
        "title": f"{track} (from Exercism)",
        "summary": f"Converted from the Exercism-format exercises in {track}.",
        "lessons": lessons,
    }
    (destination / "course.yaml").write_text(yaml.safe_dump(course, sort_keys=False))
