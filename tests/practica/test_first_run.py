"""What ``practica up`` does on a new install: sample courses on an empty catalogue, a setup link while no admin."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from practica.first_run import prepare, setup_message
from practica.lessons.samples import SAMPLE_COURSES, SampleCourses, course_directories, publish_sample_courses
from practica.settings import PracticaSettings
from servicekit.database import make_engine, make_sessionmaker
from tests.practica.accounts.conftest import make_site

SAMPLE_IDS = sorted(path.name for path in course_directories())


def publish(database_url: str, directories: list[Path]) -> SampleCourses:
    async def work() -> SampleCourses:
        engine = make_engine(database_url, pool_size=1)
        try:
            return await publish_sample_courses(make_sessionmaker(engine), directories)
        finally:
            await engine.dispose()

    return asyncio.run(work())


def test_an_empty_catalogue_gets_every_sample_course_once(practica_db_url: str, tmp_path: Path) -> None:
    settings = PracticaSettings(database_url=practica_db_url, practica_home=tmp_path)
    assert len(SAMPLE_IDS) >= 8
    first = prepare(settings, practica_db_url).samples
    assert (sorted(first.published), first.skipped) == (SAMPLE_IDS, {})
    assert prepare(settings, practica_db_url).samples == SampleCourses()
    for site in make_site(practica_db_url, tmp_path):
        listed = site.client.get("/api/courses")
        assert listed.status_code == 200, listed.text
        assert sorted(course["id"] for course in listed.json()) == SAMPLE_IDS  # go and rust too: no build needed


def test_a_catalogue_with_any_course_gets_none(practica_db_url: str, tmp_path: Path) -> None:
    assert publish(practica_db_url, [SAMPLE_COURSES / "unix-shell"]).published == ["unix-shell"]
    settings = PracticaSettings(database_url=practica_db_url, practica_home=tmp_path)
    assert prepare(settings, practica_db_url).samples.published == []


def test_the_setting_turns_the_samples_off_but_not_the_setup_link(practica_db_url: str, tmp_path: Path) -> None:
    settings = PracticaSettings(database_url=practica_db_url, practica_home=tmp_path, practica_sample_courses=False)
    first_run = prepare(settings, practica_db_url)
    assert first_run.samples.published == []
    assert first_run.setup_token is not None
    message = setup_message(settings, first_run.setup_token)
    assert f"http://127.0.0.1:8000/setup/{first_run.setup_token}" in message
    assert "practica user set-role EMAIL admin" in message
    behind_a_proxy = PracticaSettings(practica_home=tmp_path, practica_public_url="https://learn.example.org/")
    assert "    https://learn.example.org/setup/abc\n" in setup_message(behind_a_proxy, "abc")


def test_a_sample_course_that_fails_to_load_is_logged_and_the_others_published(
    practica_db_url: str, tmp_path: Path
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "course.yaml").write_text("id: broken\ntitle: [unclosed\n")
    good = tmp_path / "unix-shell"
    shutil.copytree(SAMPLE_COURSES / "unix-shell", good)
    result = publish(practica_db_url, [broken, good])
    assert result.published == ["unix-shell"]
    assert list(result.skipped) == [broken]
    assert "course.yaml" in result.skipped[broken]
