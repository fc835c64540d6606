"""Reading a lesson or a course directory, collecting every problem with its file and line.

Authors' uploads are read in the web process, so reading one has a budget
(:class:`LoadBudget`): each YAML file is parsed once within
:class:`~servicekit.yamlfile.YamlLimits` (size, depth, aliases), the YAML of
a whole course is capped, a ``task.md`` is capped, at most
:data:`MAX_PROBLEMS` problems are listed, and reading stops past
:data:`LOAD_SECONDS`. A course lists at most 200 lessons (``course.yaml``'s
schema). Before this, ``course.yaml`` was parsed again for every missing
lesson: a 1.3 KB upload listing thousands of them cost 12 s of CPU.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from practica.lessons.format import Course, Lesson
from servicekit.yamlfile import Document, Problem, YamlFileError, line_of, load_document, validate_document

LESSON_FILE = "lesson.yaml"
COURSE_FILE = "course.yaml"
TASK_FILE = "task.md"
MAX_PROBLEMS = 100
MAX_COURSE_YAML_BYTES = 4 * 1024**2
MAX_TASK_BYTES = 256 * 1024
LOAD_SECONDS = 20.0
M = TypeVar("M", Course, Lesson)


@dataclass(frozen=True)
class LoadedLesson:
    directory: Path
    lesson: Lesson

    def path(self, relative: str) -> Path:
        return self.directory / relative


@dataclass(frozen=True)
class LoadedCourse:
    directory: Path
    course: Course | None  # None when PATH is a single lesson
    lessons: list[LoadedLesson]


class LessonFormatError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = _at_most(problems, MAX_PROBLEMS)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass
class LoadBudget:
    """What reading one course may still spend: YAML bytes and time."""

    yaml_bytes: int = MAX_COURSE_YAML_BYTES
    deadline: float = field(default_factory=lambda: time.monotonic() + LOAD_SECONDS)

    def read(self, path: Path, label: str) -> Document:
        """``path`` parsed, charged to the budget; :class:`LessonFormatError` when the budget is spent."""
        if time.monotonic() > self.deadline:
            raise LessonFormatError([Problem(label, None, "", f"not read: the course took over {LOAD_SECONDS:g} s")])
        size = path.stat().st_size if path.is_file() else 0
        if size > self.yaml_bytes:
            message = f"not read: the course's YAML files exceed {MAX_COURSE_YAML_BYTES} bytes"
            raise LessonFormatError([Problem(label, None, "", message)])
        self.yaml_bytes -= size
        try:
            return load_document(path, label=label)
        except YamlFileError as error:
            raise LessonFormatError(error.problems) from None


def load(path: Path) -> LoadedCourse:
    """A course directory (``course.yaml``) or one lesson directory (``lesson.yaml``)."""
    path = path.resolve()
    budget = LoadBudget()
    if (path / COURSE_FILE).is_file():
        return _load_course(path, budget)
    if (path / LESSON_FILE).is_file():
        return LoadedCourse(path, None, [load_lesson(path, label=LESSON_FILE, budget=budget)])
    raise LessonFormatError([Problem(str(path), None, "", f"has neither {COURSE_FILE} nor {LESSON_FILE}")])


def _load_course(path: Path, budget: LoadBudget) -> LoadedCourse:
    document = budget.read(path / COURSE_FILE, COURSE_FILE)
    course = _validated(document, Course)
    problems: list[Problem] = []
    lessons: list[LoadedLesson] = []
    for index, name in enumerate(course.lessons):
        directory = path / name
        if not (directory / LESSON_FILE).is_file():
            line = line_of(document.node, ["lessons", index])
            problems.append(Problem(COURSE_FILE, line, f"lessons.{index}", f"{name}/{LESSON_FILE} does not exist"))
            continue
        try:
            lessons.append(load_lesson(directory, label=f"{name}/{LESSON_FILE}", budget=budget))
        except LessonFormatError as error:
            problems.extend(error.problems)
        if len(problems) > MAX_PROBLEMS:
            break
    if problems:
        raise LessonFormatError(problems)
    return LoadedCourse(path, course, lessons)


def load_lesson(directory: Path, *, label: str, budget: LoadBudget | None = None) -> LoadedLesson:
    budget = budget or LoadBudget()
    document = budget.read(directory / LESSON_FILE, label)
    lesson = _validated(document, Lesson, defaults=_task_of(directory, label))
    problems = _missing_directories(directory, lesson, document)
    if problems:
        raise LessonFormatError(problems)
    return LoadedLesson(directory, lesson)


def _validated(document: Document, model: type[M], defaults: dict[str, str] | None = None) -> M:
    try:
        return validate_document(document, model, defaults=defaults)
    except YamlFileError as error:
        raise LessonFormatError(error.problems) from None


def _task_of(directory: Path, label: str) -> dict[str, str] | None:
    task_file = directory / TASK_FILE
    if not task_file.is_file():
        return None
    where = label.removesuffix(LESSON_FILE) + TASK_FILE
    if task_file.stat().st_size > MAX_TASK_BYTES:
        raise LessonFormatError([Problem(where, None, "", f"is larger than {MAX_TASK_BYTES} bytes")])
    try:
        return {"task": task_file.read_text(encoding="utf-8")}
    except UnicodeDecodeError as error:
        raise LessonFormatError([Problem(where, None, "", f"cannot be read: {error}")]) from None


def _missing_directories(directory: Path, lesson: Lesson, document: Document) -> list[Problem]:
    wanted: list[tuple[list[int | str], str]] = [(["starter"], lesson.starter), (["tests"], lesson.tests)]
    wanted.append((["solution"], lesson.solution))
    wanted += [(["wrong_solutions", i, "dir"], wrong.dir) for i, wrong in enumerate(lesson.wrong_solutions)]
    problems = []
    for location, relative in wanted:
        target = (directory / relative).resolve()
        line = line_of(document.node, location)
        if not target.is_relative_to(directory.resolve()):
            problems.append(Problem(document.label, line, _dotted(location), "leaves the lesson directory"))
        elif not target.is_dir():
            problems.append(Problem(document.label, line, _dotted(location), f"directory {relative}/ does not exist"))
    return problems


def _at_most(problems: list[Problem], limit: int) -> list[Problem]:
    if len(problems) <= limit:
        return problems
    more = Problem(problems[limit].file, None, "", f"… and more problems: only the first {limit} are listed")
    return [*problems[:limit], more]


def _dotted(location: list[int | str]) -> str:
    return ".".join(str(part) for part in location)
