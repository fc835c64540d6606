"""Uploads built to cost the web process CPU, as an attacker would send them: refused at once, nothing stored.

A 1.3 KB upload used to cost 12 s of web CPU: ``course.yaml`` listed thousands of missing lessons and was
parsed again for each. The web app runs in the test's process, so what an upload costs is measured as the
process's CPU time, which a busy machine does not inflate. YAML aliases of aliases (a "billion laughs"),
deep nesting and huge files are refused within the parser's limits; a draft's validation has a time cap of
its own.
"""

from __future__ import annotations

import io
import tarfile
import time
from pathlib import Path

import pytest
import yaml

from practica.accounts.models import Role
from tests.practica.authoring.courses import course_dir, tar_gz
from tests.practica.authoring.site import Site
from tests.practica.lessons.factories import write_lesson
from tests.security.web_fixtures import (  # noqa: F401  (fixtures)
    bwrap_runtime,
    checks_home,
    site_fixture,
    upload,
)

pytestmark = pytest.mark.sandbox
LAUGHS = "".join(f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" for n in range(1, 9))
HOSTILE_COURSES = {
    "thousands of missing lessons": (
        "id: many\ntitle: Many\nlessons: [" + ", ".join(f"lesson-{n}" for n in range(5000)) + "]\n",
        ("course.yaml", "lessons", "at most 200"),
    ),
    "a billion laughs": (
        "id: laughs\ntitle: Laughs\nlessons: [add]\nl0: &l0 [ha, ha, ha, ha, ha, ha, ha, ha, ha]\n" + LAUGHS,
        ("course.yaml", "", "expands to more than"),
    ),
    "deep nesting": (
        "id: deep\ntitle: Deep\nlessons: [add]\nsummary: " + "[" * 100 + "]" * 100 + "\n",
        ("course.yaml", "", "nests deeper than 32 levels"),
    ),
    "a huge file": (
        "id: huge\ntitle: Huge\nlessons: [add]\n" + "# padding\n" * 100_000,
        ("course.yaml", "", "at most 524288"),
    ),
}


def _archive(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files.items():
            data = content.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize("course_yaml", list(HOSTILE_COURSES), ids=list(HOSTILE_COURSES))
async def test_a_hostile_course_yaml_is_refused_at_once_naming_the_problem(site: Site, course_yaml: str) -> None:
    text, (file, field, message) = HOSTILE_COURSES[course_yaml]
    attacker = await site.client("mallory@example.org", Role.AUTHOR)
    archive = _archive({"course.yaml": text})
    started = time.process_time()
    response = await upload(attacker, archive)
    cpu_s = time.process_time() - started
    assert response.status_code == 422, response.text
    (problem,) = response.json()["problems"]
    assert (problem["file"], problem["field"]) == (file, field)
    assert message in problem["message"]
    assert cpu_s < 5, f"{len(archive)} bytes of upload cost {cpu_s:.1f} s of CPU"
    assert await site.scalar("SELECT count(*) FROM course_drafts") == 0


async def test_lessons_hostile_files_are_refused_with_their_names_and_problems_are_capped(
    site: Site, tmp_path: Path
) -> None:
    course = course_dir(tmp_path / "budget", wrong=None)
    names = ["add", "big", *(f"ghost-{n}" for n in range(150))]
    (course / "course.yaml").write_text(yaml.safe_dump({"id": "budget", "title": "Budget", "lessons": names}))
    lesson = course / "add" / "lesson.yaml"
    lesson.write_text(lesson.read_text().replace("task: Write `add(a, b)`.\n", ""))
    (course / "add" / "task.md").write_text("# A long task\n" * 40_000)
    write_lesson(course / "big", limits={"time_s": 1})
    big = course / "big" / "lesson.yaml"
    big.write_text(big.read_text().replace("time_s: 1", "time_s: 1" + "0" * 5000))
    attacker = await site.client("mallory@example.org", Role.AUTHOR)
    started = time.process_time()
    response = await upload(attacker, tar_gz(course))
    assert time.process_time() - started < 5  # CPU, not wall-clock time: a busy machine does not change it
    assert response.status_code == 422, response.text
    problems = response.json()["problems"]
    assert len(problems) == 101  # 100, and a last one saying that more were left out
    assert problems[-1]["message"] == "… and more problems: only the first 100 are listed"
    messages = {problem["file"]: problem["message"] for problem in problems}
    assert "larger than" in messages["add/task.md"]
    assert "Exceeds the limit (4300 digits)" in messages["big/lesson.yaml"]
    assert await site.scalar("SELECT count(*) FROM course_drafts") == 0


async def test_a_drafts_validation_stops_at_its_time_cap(site: Site, tmp_path: Path) -> None:
    site.resources.settings = site.resources.settings.model_copy(update={"practica_draft_validation_timeout": 2})
    course = course_dir(tmp_path / "slow", wrong=None)
    lesson = yaml.safe_load((course / "add" / "lesson.yaml").read_text())
    lesson.update(check={"command": ["sleep", "120"]}, limits={"time_s": 300})
    (course / "add" / "lesson.yaml").write_text(yaml.safe_dump(lesson))
    author = await site.client("ada@example.org", Role.AUTHOR)
    created = await upload(author, tar_gz(course))
    assert created.status_code == 201, created.text
    started = time.monotonic()
    await site.run_jobs()
    assert time.monotonic() - started < 60  # the lesson alone would take 2 runs x 120 s
    draft = (await author.get(f"/api/authoring/imports/{created.json()['id']}")).json()
    assert draft["status"] == "failed"
    assert "PRACTICA_DRAFT_VALIDATION_TIMEOUT" in draft["error"]
    assert await site.scalar("SELECT count(*) FROM course_versions WHERE published_at IS NOT NULL") == 0
