"""Builders for lesson and course directories on disk (what authors write)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PASSING_TEST = "from solution import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"


def write_lesson(directory: Path, *, raw: str | None = None, **overrides: Any) -> Path:
    """A small, valid Python lesson; ``overrides`` replace top-level keys, ``raw`` the whole file."""
    directory.mkdir(parents=True, exist_ok=True)
    lesson: dict[str, Any] = {
        "id": directory.name,
        "title": "Add two numbers",
        "task": "Write `add(a, b)`.",
        "environment": "host",
        "check": {"command": ["python3", "-m", "pytest", "-q", "--junitxml=report.xml"]},
        **overrides,
    }
    (directory / "lesson.yaml").write_text(raw if raw is not None else yaml.safe_dump(lesson, sort_keys=False))
    files = {
        "starter/solution.py": "def add(a, b):\n    raise NotImplementedError\n",
        "tests/test_add.py": PASSING_TEST,
        "solution/solution.py": "def add(a, b):\n    return a + b\n",
    }
    for relative, content in files.items():
        (directory / relative).parent.mkdir(parents=True, exist_ok=True)
        (directory / relative).write_text(content)
    return directory


def write_course(directory: Path, lessons: list[str], **overrides: Any) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    course = {"id": directory.name, "title": "Python basics", "lessons": lessons, **overrides}
    (directory / "course.yaml").write_text(yaml.safe_dump(course, sort_keys=False))
    for name in lessons:
        write_lesson(directory / name)
    return directory
