"""``practica course import``: immutable versions in a real PostgreSQL, from a directory or a git URL."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from typer.testing import CliRunner

from practica.cli import app
from practica.lessons.service import enroll, upgrade_to_latest
from tests.practica.lessons.factories import write_course

SAMPLE = Path(__file__).resolve().parents[3] / "courses" / "python-basics"


def rows(database_url: str, query: str) -> list[tuple[object, ...]]:
    libpq = make_url(database_url).set(drivername="postgresql").render_as_string(False)
    with psycopg.connect(libpq) as conn:
        return conn.execute(query).fetchall()


def import_course(database_url: str, source: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(app, ["course", "import", source])
    assert result.exit_code == 0, result.output
    return result.output


def test_import_publishes_once_and_a_change_makes_a_new_version(
    practica_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    course = tmp_path / "python-basics"
    shutil.copytree(SAMPLE, course)
    assert "published python-basics version 1" in import_course(practica_db_url, str(course), monkeypatch)
    assert "unchanged" in import_course(practica_db_url, str(course), monkeypatch)
    task = course / "functions" / "task.md"
    task.write_text(task.read_text() + "\nOne more sentence.\n")
    output = import_course(practica_db_url, str(course), monkeypatch)
    assert "published python-basics version 2" in output
    assert "updated: functions" in output
    versions = rows(practica_db_url, "SELECT number, (SELECT count(*) FROM course_lessons l WHERE l.version_id = v.id)"
                    " FROM course_versions v ORDER BY number")  # fmt: skip
    assert versions == [(1, 6), (2, 6)]
    events = rows(practica_db_url, "SELECT message->>'action', message->'payload'->'version' FROM outbox_events")
    assert events == [("course.published", 1), ("course.published", 2)]


def test_a_bad_course_names_the_problem_and_stores_nothing(
    practica_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    course = write_course(tmp_path / "broken", ["add"])
    (course / "course.yaml").write_text("id: broken\ntitle: Broken\nlessons: [add, ghost]\n")
    monkeypatch.setenv("DATABASE_URL", practica_db_url)
    result = CliRunner().invoke(app, ["course", "import", str(course)])
    assert result.exit_code == 1
    assert "course.yaml:3: lessons.1: ghost/lesson.yaml does not exist" in result.output
    assert rows(practica_db_url, "SELECT count(*) FROM course_versions") == [(0,)]


def test_import_from_a_git_url(practica_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repository = write_course(tmp_path / "repo", ["add"])
    git = ["git", "-C", str(repository), "-c", "user.email=a@example.org", "-c", "user.name=Author"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "course"], check=True)
    assert "published repo version 1" in import_course(practica_db_url, f"file://{repository}", monkeypatch)
    assert rows(practica_db_url, "SELECT source FROM course_versions") == [(f"file://{repository}",)]
    monkeypatch.setenv("DATABASE_URL", practica_db_url)
    missing = CliRunner().invoke(app, ["course", "import", f"file://{tmp_path}/nowhere"])
    assert missing.exit_code == 1
    assert "git clone" in missing.output


def test_learners_keep_their_version_until_they_upgrade(
    practica_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    course = write_course(tmp_path / "basics", ["add"])
    import_course(practica_db_url, str(course), monkeypatch)
    first = asyncio.run(_enrolled_version(practica_db_url, upgrade=False))
    (course / "add" / "tests" / "test_more.py").write_text("def test_more():\n    assert True\n")
    import_course(practica_db_url, str(course), monkeypatch)
    assert asyncio.run(_enrolled_version(practica_db_url, upgrade=False)) == first
    upgraded = asyncio.run(_enrolled_version(practica_db_url, upgrade=True))
    assert upgraded != first
    versions = dict(rows(practica_db_url, "SELECT id, number FROM course_versions"))
    assert versions[upgraded] == 2


async def _enrolled_version(database_url: str, *, upgrade: bool) -> int:
    engine = create_async_engine(database_url)
    try:
        async with async_sessionmaker(engine)() as session, session.begin():
            if upgrade:
                return (await upgrade_to_latest(session, "user-1", "basics")).version_id
            return (await enroll(session, "user-1", "basics")).version_id
    finally:
        await engine.dispose()
