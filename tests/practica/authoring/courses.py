"""Course directories, git repositories and archives as authors send them."""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import yaml

from tests.practica.lessons.factories import write_course

CHECK = {
    "command": ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=report.xml", "tests"],
    "tests_into": "tests",
}
SUBTRACTS = "def add(a, b):\n    return a - b\n"
SWAPS = "def add(a, b):\n    return b + a\n"  # still right: the tests cannot catch it


def course_dir(directory: Path, *, wrong: str | None = SUBTRACTS, **overrides: Any) -> Path:
    """A one-lesson course (``add``) with a known-wrong solution ``wrong/solution.py``."""
    course = write_course(directory, ["add"], **overrides)
    path = course / "add" / "lesson.yaml"
    lesson = yaml.safe_load(path.read_text())
    lesson["check"] = CHECK
    if wrong is not None:
        lesson["wrong_solutions"] = [{"dir": "wrong", "why": "a mistake"}]
        (course / "add" / "wrong").mkdir()
        (course / "add" / "wrong" / "solution.py").write_text(wrong)
    path.write_text(yaml.safe_dump(lesson, sort_keys=False))
    return course


def git_repo(directory: Path) -> str:
    """``directory`` committed as a git repository; its file:// URL."""
    for args in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "The course"]):
        subprocess.run(
            ["git", "-c", "user.email=author@example.org", "-c", "user.name=Author", *args],
            cwd=directory, check=True, capture_output=True,
        )  # fmt: skip
    return f"file://{directory}"


def tar_gz(directory: Path, top: str = "course-main") -> bytes:
    """``directory`` as a .tar.gz inside one top-level directory, as a forge's download."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(directory, arcname=top)
    return buffer.getvalue()


def hostile_tar(entry: tarfile.TarInfo, data: bytes = b"") -> bytes:
    """A valid-looking course archive with one more, hostile, entry."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        course = b"id: evil\ntitle: Evil\nlessons: [add]\n"
        info = tarfile.TarInfo("course.yaml")
        info.size = len(course)
        tar.addfile(info, io.BytesIO(course))
        entry.size = len(data)
        tar.addfile(entry, io.BytesIO(data) if data else None)
    return buffer.getvalue()
