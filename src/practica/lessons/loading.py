"""Reading a lesson or a course directory, collecting every problem with its file and line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from practica.lessons.format import Course, Lesson
from servicekit.yamlfile import Problem, YamlFileError, line_of, load_model

LESSON_FILE = "lesson.yaml"
COURSE_FILE = "course.yaml"
TASK_FILE = "task.md"


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
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


def load(path: Path) -> LoadedCourse:
    """A course directory (``course.yaml``) or one lesson directory (``lesson.yaml``)."""
    path = path.resolve()
    if (path / COURSE_FILE).is_file():
        return _load_course(path)
    if (path / LESSON_FILE).is_file():
        return LoadedCourse(path, None, [load_lesson(path, label=LESSON_FILE)])
    raise LessonFormatError([Problem(str(path), None, "", f"has neither {COURSE_FILE} nor {LESSON_FILE}")])


def _load_course(path: Path) -> LoadedCourse:
    problems: list[Problem] = []
    try:
        course = load_model(path / COURSE_FILE, Course, label=COURSE_FILE)
    except YamlFileError as error:
        raise LessonFormatError(error.problems) from None
    lessons: list[LoadedLesson] = []
    for index, name in enumerate(course.lessons):
        directory = path / name
        if not (directory / LESSON_FILE).is_file():
            line = _line(path / COURSE_FILE, ["lessons", index])
            problems.append(Problem(COURSE_FILE, line, f"lessons.{index}", f"{name}/{LESSON_FILE} does not exist"))
            continue
        try:
            lessons.append(load_lesson(directory, label=f"{name}/{LESSON_FILE}"))
        except LessonFormatError as error:
            problems.extend(error.problems)
    if problems:
        raise LessonFormatError(problems)
    return LoadedCourse(path, course, lessons)


def load_lesson(directory: Path, *, label: str) -> LoadedLesson:
    task_file = directory / TASK_FILE
    defaults = {"task": task_file.read_text(encoding="utf-8")} if task_file.is_file() else None
    try:
        lesson = load_model(directory / LESSON_FILE, Lesson, label=label, defaults=defaults)
    except YamlFileError as error:
        raise LessonFormatError(error.problems) from None
    problems = _missing_directories(directory, lesson, label, (directory / LESSON_FILE).read_text(encoding="utf-8"))
    if problems:
        raise LessonFormatError(problems)
    return LoadedLesson(directory, lesson)


def _missing_directories(directory: Path, lesson: Lesson, label: str, text: str) -> list[Problem]:
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    wanted: list[tuple[list[int | str], str]] = [(["starter"], lesson.starter), (["tests"], lesson.tests)]
    wanted.append((["solution"], lesson.solution))
    wanted += [(["wrong_solutions", i, "dir"], wrong.dir) for i, wrong in enumerate(lesson.wrong_solutions)]
    problems = []
    for location, relative in wanted:
        target = (directory / relative).resolve()
        if not target.is_relative_to(directory.resolve()):
            problems.append(Problem(label, line_of(root, location), _dotted(location), "leaves the lesson directory"))
        elif not target.is_dir():
            problems.append(
                Problem(label, line_of(root, location), _dotted(location), f"directory {relative}/ does not exist")
            )
    return problems


def _line(file: Path, location: list[int | str]) -> int | None:
    return line_of(yaml.compose(file.read_text(encoding="utf-8"), Loader=yaml.SafeLoader), location)


def _dotted(location: list[int | str]) -> str:
    return ".".join(str(part) for part in location)
