"""Each app keeps its own services: two apps in one process, on two databases, share no cache.

Fresh databases number their rows from 1, so the same ids mean different courses and
users in each: a cache shared between the apps (a module's global) would answer one app
with the other's course version or the other's user's memberships.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from practica.accounts.models import MemberRole, Membership, Organization
from practica.accounts.service import create_user
from practica.accounts.sessions import SESSION_COOKIE, start_session
from practica.lessons.loading import load
from practica.lessons.publishing import publish
from practica.sandbox.settings import SandboxSettings
from practica.settings import PracticaSettings
from practica.web.app import create_app, dispose
from tests.practica.lessons.factories import write_course


async def _seed(url: str, courses: list[Path], *, member_of_acme: bool) -> str:
    """The organisation acme, ``courses`` published, and user 1 (in acme or not); that user's session token."""
    engine = create_async_engine(url)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
            acme = Organization(slug="acme", name="Acme")
            session.add(acme)
            await session.flush()
            for course in courses:
                await publish(session, load(course), str(course), performer=None)
            user = await create_user(session, "user@example.org", "a long password", "User")
            assert user.id == 1  # the same id as the other database's user
            if member_of_acme:
                session.add(Membership(organization_id=acme.id, user_id=user.id, role=MemberRole.MEMBER.value))
            return await start_session(session, user.id)
    finally:
        await engine.dispose()


@asynccontextmanager
async def _client(url: str, home: Path, token: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a new app on ``url`` (signed in with ``token``)."""
    settings = PracticaSettings(database_url=url, practica_home=home)
    app = create_app(settings, static_dir=home / "no-static", sandbox_settings=SandboxSettings(home=home))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    if token is not None:
        client.cookies.set(SESSION_COOKIE, token)
    try:
        yield client
    finally:
        await client.aclose()
        await dispose(app)


async def _listed(client: httpx.AsyncClient) -> list[tuple[str, str]]:
    response = await client.get("/api/courses")
    assert response.status_code == 200, response.text
    return [(course["id"], course["title"]) for course in response.json()]


async def test_two_apps_do_not_share_what_they_remember_of_course_versions(
    clone_database: Callable[[str], str], practica_template: str, tmp_path: Path
) -> None:
    first_url, second_url = clone_database(practica_template), clone_database(practica_template)
    await _seed(first_url, [write_course(tmp_path / "python-basics", ["add"])], member_of_acme=False)
    await _seed(
        second_url, [write_course(tmp_path / "rust-basics", ["add"], title="Rust basics")], member_of_acme=False
    )

    async with _client(first_url, tmp_path) as first, _client(second_url, tmp_path) as second:
        assert await _listed(first) == [("python-basics", "Python basics")]  # version 1, now remembered
        assert await _listed(second) == [("rust-basics", "Rust basics")]  # its own version 1


async def test_two_apps_do_not_share_what_they_remember_of_memberships(
    clone_database: Callable[[str], str], practica_template: str, tmp_path: Path
) -> None:
    internal = write_course(tmp_path / "internal", ["add"], visibility={"organization": "acme"})
    member_url, outsider_url = clone_database(practica_template), clone_database(practica_template)
    member = await _seed(member_url, [internal], member_of_acme=True)
    outsider = await _seed(outsider_url, [internal], member_of_acme=False)

    async with _client(member_url, tmp_path, member) as first, _client(outsider_url, tmp_path, outsider) as second:
        assert [course for course, _ in await _listed(first)] == ["internal"]  # user 1 is in acme: remembered
        assert await _listed(second) == []  # this app's user 1 is not
        assert (await second.get("/api/courses/internal")).status_code == 404
