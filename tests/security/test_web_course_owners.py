"""Publishing over someone else's course id, as an attacker would: refused naming ``id``, nothing stored changes.

Before courses had owners, a second author's upload with the id of another author's course (or of an
organisation's private course) became its next version.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from practica.accounts.models import Role
from practica.db.migrate import MIGRATIONS as PRACTICA_MIGRATIONS
from tests.practica.authoring.courses import course_dir, tar_gz
from tests.practica.authoring.site import Site
from tests.security.web_fixtures import (  # noqa: F401  (fixtures)
    bwrap_runtime,
    checks_home,
    site_fixture,
    upload,
)

pytestmark = pytest.mark.sandbox
STORED = """
SELECT (SELECT count(*) FROM course_versions), (SELECT count(*) FROM course_drafts),
       (SELECT count(*) FROM outbox_events), (SELECT coalesce(owner_id, 0) FROM courses WHERE id = :id),
       (SELECT string_agg(title || visibility, ',' ORDER BY number) FROM course_versions WHERE course_id = :id)
"""


async def _stored(site: Site, course_id: str) -> tuple[Any, ...]:
    async with site.sessions() as session:
        return tuple((await session.execute(text(STORED), {"id": course_id})).one())


async def _published(site: Site, author: httpx.AsyncClient, archive: bytes) -> dict[str, Any]:
    created = await upload(author, archive)
    assert created.status_code == 201, created.text
    await site.run_jobs()
    published = await author.post(f"/api/authoring/imports/{created.json()['id']}/publish")
    assert published.status_code == 200, published.text
    body: dict[str, Any] = published.json()
    return body


def _refused_naming_id(response: httpx.Response, course_id: str) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["detail"].startswith(f"course.yaml: id: the course {course_id!r}")


async def test_a_second_authors_upload_of_someone_elses_course_is_refused(site: Site, tmp_path: Path) -> None:
    ada = await site.client("ada@example.org", Role.AUTHOR)
    await _published(site, ada, tar_gz(course_dir(tmp_path / "ada" / "basics", wrong=None)))
    before = await _stored(site, "basics")

    mallory = await site.client("mallory@example.org", Role.AUTHOR)
    forged = course_dir(tmp_path / "mallory" / "basics", wrong=None, title="Send me your password")
    _refused_naming_id(await upload(mallory, tar_gz(forged)), "basics")
    assert await _stored(site, "basics") == before


async def test_a_draft_made_first_cannot_be_published_over_a_course_someone_published_since(
    site: Site, tmp_path: Path
) -> None:
    mallory = await site.client("mallory@example.org", Role.AUTHOR)
    squat = await upload(mallory, tar_gz(course_dir(tmp_path / "mallory" / "fresh", wrong=None, title="Mine")))
    assert squat.status_code == 201, squat.text  # an id nobody published yet is anyone's: drafts claim nothing
    ada = await site.client("ada@example.org", Role.AUTHOR)
    await _published(site, ada, tar_gz(course_dir(tmp_path / "ada" / "fresh", wrong=None)))
    before = await _stored(site, "fresh")

    _refused_naming_id(await mallory.post(f"/api/authoring/imports/{squat.json()['id']}/publish"), "fresh")
    assert await _stored(site, "fresh") == before


async def test_an_organisations_private_course_is_published_only_by_its_admins(site: Site, tmp_path: Path) -> None:
    internal = course_dir(tmp_path / "operator" / "internal", wrong=None, visibility={"organization": "acme"})
    dee = await site.client("dee@example.org", Role.AUTHOR, organization="acme")
    async with site.sessions() as session, session.begin():
        await session.execute(text("UPDATE organization_members SET role = 'admin'"))
    imported = _practica(site, "course", "import", str(internal))  # the operator's CLI: never refused
    assert imported.returncode == 0, imported.stderr
    before = await _stored(site, "internal")

    mallory = await site.client("mallory@example.org", Role.AUTHOR, organization="acme")  # a member, not an admin
    public = course_dir(tmp_path / "mallory" / "internal", wrong=None, title="Leaked")
    _refused_naming_id(await upload(mallory, tar_gz(public)), "internal")
    outsider = await site.client("eve@example.org", Role.AUTHOR)
    _refused_naming_id(await upload(outsider, tar_gz(public)), "internal")
    assert await _stored(site, "internal") == before

    accepted = await upload(dee, tar_gz(internal))  # acme's admin maintains it
    assert accepted.status_code == 201, accepted.text
    again = _practica(site, "course", "import", str(public))  # and the operator may still import over anyone
    assert again.returncode == 0, again.stderr


def _practica(site: Site, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": site.url, "PRACTICA_HOME": str(site.sandbox.home)}
    return subprocess.run(
        [sys.executable, "-m", "practica", *args], env=env, capture_output=True, text=True, check=False
    )


BEFORE_OWNERS = """
INSERT INTO users (email, display_name, password_hash)
VALUES ('ada@example.org', 'Ada', 'x'), ('eve@example.org', 'Eve', 'x');
INSERT INTO organizations (slug, name) VALUES ('acme', 'Acme');
INSERT INTO courses (id) VALUES ('basics'), ('samples'), ('internal');
INSERT INTO course_versions (course_id, number, title, summary, visibility, content_hash, source, published_at)
VALUES ('basics', 1, 'B', '', 'public', 'h1', 'upload:a', now()),
       ('basics', 2, 'B', '', 'public', 'h2', 'upload:b', now()),
       ('samples', 1, 'S', '', 'public', 'h3', 'courses/samples', now()),
       ('internal', 1, 'I', '', 'public', 'h4', 'cli', now()), ('internal', 2, 'I', '', 'acme', 'h5', 'cli', now());
INSERT INTO course_drafts (author_id, source, course_id, title, visibility, status, published_version, published_at)
VALUES (1, 'upload:a', 'basics', 'B', 'public', 'published', 1, now()),
       (2, 'upload:b', 'basics', 'B', 'public', 'published', 2, now());
"""


def test_existing_courses_get_the_author_of_their_first_version_as_owner(clone_database: Any) -> None:
    """Migration 0010 on a database with courses: version 1's author owns; an operator's course is admins'."""
    url = clone_database("template0")
    PRACTICA_MIGRATIONS.upgrade(url, "0009")
    with psycopg.connect(make_url(url).set(drivername="postgresql").render_as_string(False)) as conn:
        conn.execute(BEFORE_OWNERS)
        conn.commit()
        PRACTICA_MIGRATIONS.upgrade(url)
        owners = conn.execute(
            "SELECT courses.id, users.email, organizations.slug FROM courses LEFT JOIN users ON users.id = owner_id"
            " LEFT JOIN organizations ON organizations.id = organization_id ORDER BY courses.id"
        ).fetchall()
    assert owners == [("basics", "ada@example.org", None), ("internal", None, "acme"), ("samples", None, None)]
