"""One Exercism exercise as read from disk, what a track makes of it, and how that is written as a lesson.

An Exercism exercise names its files in ``.meta/config.json``: the stub the
learner edits (``solution``), the tests (``test``) and the reference
(``example`` for practice exercises, ``exemplar`` for concept ones); the task
is ``.docs/instructions.md`` (with ``introduction.md`` before it and
``instructions.append.md`` after it when present). Every track reads them
the same way (:func:`load_exercise`); what differs per language is how the
files become a lesson (a :class:`Track`, see :mod:`practica.lessons.exercism`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import yaml

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
BUILD_DIR = "/tmp/practica-build"  # noqa: S108 (inside the check's fresh environment)


class ExerciseError(ValueError):
    """This exercise cannot be converted; the message says why."""


@dataclass(frozen=True)
class Exercise:
    """An exercise directory with its config read and the files it names checked to exist inside it."""

    path: Path
    config: dict[str, Any]
    stubs: list[Path]
    tests: list[Path]
    references: list[Path]

    @property
    def slug(self) -> str:
        return self.path.name

    def relative(self, path: Path) -> str:
        return path.relative_to(self.path.resolve()).as_posix()


@dataclass
class LessonDraft:
    """What a track makes of an exercise: the three file sets (relative path -> content) and how to check."""

    environment: str
    check: dict[str, Any]
    starter: dict[str, bytes] = field(default_factory=dict)
    tests: dict[str, bytes] = field(default_factory=dict)
    solution: dict[str, bytes] = field(default_factory=dict)
    run: str | None = None
    limits: Mapping[str, float] | None = None


class Track(Protocol):
    """One Exercism language track: which exercises are its own, and how one becomes a lesson."""

    name: str  # the track's slug in its config.json ("python", "bash", ...)

    def detects(self, exercise: Exercise) -> bool:
        """Whether the exercise's files are this track's (by their names, when no track config.json says)."""
        ...

    def convert(self, exercise: Exercise) -> LessonDraft:
        """The lesson, or :class:`ExerciseError` naming why this exercise cannot be one."""
        ...


def load_exercise(directory: Path) -> Exercise:
    config = _config(directory)
    files = config.get("files") or {}
    if not isinstance(files, dict):
        raise ExerciseError(".meta/config.json: files is not an object")
    if not SLUG.match(directory.name):
        raise ExerciseError(f"the directory name {directory.name!r} is not a lesson id (a-z, 0-9, -)")
    stubs, tests = _paths(directory, files, "solution"), _paths(directory, files, "test")
    if not stubs or not tests:
        raise ExerciseError(".meta/config.json names no solution or no test files")
    references = _paths(directory, files, "example") or _paths(directory, files, "exemplar")
    return Exercise(directory, config, stubs, tests, references)


def require_reference(exercise: Exercise) -> None:
    if not exercise.references:
        raise ExerciseError("no reference solution (files.example or files.exemplar) to validate against")


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
    if not isinstance(names, list):
        raise ExerciseError(f"files.{kind} is not a list")
    paths = [(exercise / name).resolve() for name in names if isinstance(name, str)]
    for path in paths:
        if not path.is_relative_to(exercise.resolve()):
            raise ExerciseError(f"files.{kind} leaves the exercise directory")
        if not path.is_file():
            raise ExerciseError(f"files.{kind} names {path.relative_to(exercise.resolve())}, which does not exist")
    return paths


def read(path: Path) -> bytes:
    return path.read_bytes()


def support_files(exercise: Exercise, names: list[str]) -> dict[str, bytes]:
    """Files beside the stub the learner may read (``bats-extra.bash``, ``go.mod``), those that exist.

    With them, the files ``.meta/config.json`` lists as ``editor`` (given to read, not to change, such as an
    interface the solution implements).
    """
    editor = (exercise.config.get("files") or {}).get("editor") or []
    wanted = [*names, *(name for name in editor if isinstance(name, str))]
    found = {}
    for name in wanted:
        path = (exercise.path / name).resolve()
        if not path.is_relative_to(exercise.path.resolve()):
            raise ExerciseError("files.editor leaves the exercise directory")
        if path.is_file():
            found[exercise.relative(path)] = path.read_bytes()
    return found


def write_lesson(exercise: Exercise, draft: LessonDraft, lesson_dir: Path) -> None:
    for folder, files in (("starter", draft.starter), ("tests", draft.tests), ("solution", draft.solution)):
        (lesson_dir / folder).mkdir(parents=True, exist_ok=True)
        for relative, data in files.items():
            target = lesson_dir / folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    (lesson_dir / "task.md").write_text(task(exercise))
    lesson: dict[str, Any] = {"id": exercise.slug, "title": title(exercise), "environment": draft.environment}
    if draft.limits:
        lesson["limits"] = dict(draft.limits)
    lesson["check"] = draft.check
    if draft.run:
        lesson["run"] = draft.run
    (lesson_dir / "lesson.yaml").write_text(yaml.safe_dump(lesson, sort_keys=False, width=200))


def task(exercise: Exercise) -> str:
    docs = exercise.path / ".docs"
    parts = [docs / name for name in ("introduction.md", "instructions.md", "instructions.append.md")]
    text = "\n\n".join(part.read_text(encoding="utf-8").strip() for part in parts if part.is_file())
    if not text:
        text = str(exercise.config.get("blurb") or "").strip()
    if not text:
        raise ExerciseError("no instructions (.docs/instructions.md) and no blurb")
    return text + "\n"


def title(exercise: Exercise) -> str:
    name = exercise.config.get("title") or exercise.config.get("name")
    return str(name) if name else exercise.slug.replace("-", " ").capitalize()


def staged(prepare: str, command: str) -> list[str]:
    """A check that copies the workspace to a build directory, adds the hidden tests there, and runs ``command``.

    For languages whose tests must sit beside the learner's code (a Go package,
    a Cargo crate, a jest module importing ``./stub``). The copy keeps the
    workspace untouched; ``prepare`` (run in the build directory) puts the
    tests in place after removing any test file of the learner's own.
    """
    script = f"set -e; mkdir -p {BUILD_DIR}; cp -R . {BUILD_DIR}/; cd {BUILD_DIR}; {prepare}; {command}"
    return ["/bin/sh", "-c", script]
