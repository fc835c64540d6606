from __future__ import annotations

import json
from pathlib import Path

import pytest

from practica.lessons.format import Course, Lesson
from practica.lessons.json_schemas import SCHEMA_DIR, schemas
from practica.lessons.loading import LessonFormatError, load
from tests.practica.lessons.factories import write_course, write_lesson


def problems(path: Path) -> list[str]:
    with pytest.raises(LessonFormatError) as raised:
        load(path)
    return [str(problem) for problem in raised.value.problems]


def test_a_course_loads_in_order_with_its_lessons(tmp_path: Path) -> None:
    course = write_course(tmp_path / "python-basics", ["functions", "strings"])
    loaded = load(course)
    assert isinstance(loaded.course, Course)
    assert [item.lesson.id for item in loaded.lessons] == ["functions", "strings"]
    assert loaded.lessons[0].path("tests").joinpath("test_add.py").is_file()


def test_a_single_lesson_loads_and_task_md_supplies_the_task(tmp_path: Path) -> None:
    lesson_dir = write_lesson(tmp_path / "functions")
    text = (lesson_dir / "lesson.yaml").read_text().replace("task: Write `add(a, b)`.\n", "")
    (lesson_dir / "lesson.yaml").write_text(text)
    (lesson_dir / "task.md").write_text("# Add\n\nWrite `add`.\n")
    (loaded,) = load(lesson_dir).lessons
    assert isinstance(loaded.lesson, Lesson)
    assert loaded.lesson.task.startswith("# Add")


def test_schema_errors_name_the_file_the_line_and_the_field(tmp_path: Path) -> None:
    raw = (
        "id: functions\n"
        "title: Functions\n"
        "task: Write it.\n"
        "limits:\n"
        "  time_s: 5\n"
        "  memory_mb: lots\n"
        "network: internet\n"
        "check:\n"
        "  command: [pytest]\n"
    )
    lesson_dir = write_lesson(tmp_path / "functions", raw=raw)
    found = problems(lesson_dir)
    assert "lesson.yaml:6: limits.memory_mb: Input should be a valid integer" in found[0]
    assert found[1].startswith("lesson.yaml:7: network: Input should be 'none' or 'egress'")


def test_a_missing_lesson_directory_is_named_in_course_yaml(tmp_path: Path) -> None:
    course = write_course(tmp_path / "c", ["functions"])
    (course / "course.yaml").write_text("id: c\ntitle: C\nlessons:\n  - functions\n  - ghosts\n")
    assert problems(course) == ["course.yaml:5: lessons.1: ghosts/lesson.yaml does not exist"]


def test_missing_and_escaping_directories_are_refused(tmp_path: Path) -> None:
    missing = write_lesson(tmp_path / "functions", tests="hidden")
    line = line_number(missing / "lesson.yaml", "tests: hidden")
    assert problems(missing) == [f"lesson.yaml:{line}: tests: directory hidden/ does not exist"]
    escaping = write_lesson(tmp_path / "strings", solution="../elsewhere")
    line = line_number(escaping / "lesson.yaml", "solution: ../elsewhere")
    (problem,) = problems(escaping)
    assert problem.startswith(f"lesson.yaml:{line}: solution: must stay inside the lesson directory")


def line_number(file: Path, text: str) -> int:
    return file.read_text().splitlines().index(text) + 1


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    lesson_dir = write_lesson(tmp_path / "functions", raw="id: functions\ntitle: [unclosed\ncheck: {}\n")
    (problem,) = problems(lesson_dir)
    assert problem.startswith("lesson.yaml:3: is not valid YAML")


def test_a_directory_without_either_file_is_named(tmp_path: Path) -> None:
    assert problems(tmp_path)[0].endswith("has neither course.yaml nor lesson.yaml")


def test_the_committed_json_schemas_are_generated_from_the_models() -> None:
    for name, schema in schemas().items():
        assert json.loads((SCHEMA_DIR / name).read_text()) == schema, "run `practica lesson schema --write`"
