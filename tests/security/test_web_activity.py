"""Reading another course's learner history (``/api/activity?scope=lesson``), as an attacker would.

Any author used to read any lesson's history: private organisation courses, and other learners' failures.
Now only the course's owners, its organisation's admins and admins do (real Chronicles, real relay).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from practica.accounts.models import Membership, Organization, Role, User
from practica.accounts.service import create_user
from practica.accounts.sessions import SESSION_COOKIE, start_session
from practica.events.outbox import gid, record_event
from practica.jobs.queue import connected, jobs
from practica.jobs.resources import worker_resources_for
from practica.lessons.models import Course
from practica.settings import PracticaSettings
from practica.web.app import create_app, dispose
from tests.security.web_fixtures import (  # noqa: F401  (fixtures)
    SIGNING_KEY,
    Process,
    chronicles_process_fixture,
)

People = dict[str, httpx.AsyncClient]
FAILED = {"passed": 0, "total": 2, "failing": ["test_add", "test_negative"]}


@pytest.fixture
async def people(practica_db_url: str, chronicles_process: Process, tmp_path: Path) -> AsyncIterator[People]:
    """Ada fails a lesson of acme's private course ``internal``; Cy owns ``basics``; Dee is acme's admin;
    Mallory is an author, and a member of acme."""
    settings = PracticaSettings(
        database_url=practica_db_url, practica_home=tmp_path, chronicles_url=chronicles_process.url,
        chronicles_signing_key=SIGNING_KEY,
    )  # fmt: skip
    engine = create_async_engine(practica_db_url)
    app = create_app(settings, static_dir=tmp_path / "no-static")
    clients: People = {}
    async with async_sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
        acme = Organization(slug="acme", name="Acme")
        session.add(acme)
        await session.flush()
        for name, role, member in [
            ("ada", Role.LEARNER, "member"), ("cy", Role.AUTHOR, None), ("dee", Role.LEARNER, "admin"),
            ("mallory", Role.AUTHOR, "member"),
        ]:  # fmt: skip
            user = await create_user(session, f"{name}@example.org", "a long password", name.title(), role)
            if member:
                session.add(Membership(organization_id=acme.id, user_id=user.id, role=member))
            clients[name] = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
            clients[name].cookies.set(SESSION_COOKIE, await start_session(session, user.id))
        cy = await session.scalar(select(User.id).where(User.email == "cy@example.org"))
        session.add_all([Course(id="internal", organization_id=acme.id), Course(id="basics", owner_id=cy)])
        ada = await session.scalar(select(User.id).where(User.email == "ada@example.org"))
        for course, org in (("internal", "acme"), ("basics", None)):
            payload = {
                "course": {"id": course}, "lesson": {"id": f"{course}/add", "slug": "add", "title": "Add"},
                "attempt": 1, "verdict": "failed", "tests": FAILED, **({"org": org} if org else {}),
            }  # fmt: skip
            await record_event(
                session, subject=gid("Check", 1), action="check.failed", performer=gid("User", ada), payload=payload
            )
    async with connected(jobs, practica_db_url):  # the relay job delivers the events to Chronicles
        await jobs.run_worker_async(
            wait=False, queues=["default"], install_signal_handlers=False,
            additional_context=worker_resources_for(settings, engine).context(),
        )  # fmt: skip
    yield clients
    for client in clients.values():
        await client.aclose()
    await dispose(app)
    await engine.dispose()


async def _history(client: httpx.AsyncClient, course: str) -> httpx.Response:
    return await client.get("/api/activity", params={"scope": "lesson", "course": course, "lesson": "add"})


async def test_an_author_cannot_read_the_history_of_a_course_not_theirs(people: People) -> None:
    for course in ("internal", "basics", "no-such-course"):
        refused = await _history(people["mallory"], course)
        assert refused.status_code == 403, refused.text
        assert "course's owners" in refused.json()["detail"]
        assert "test_negative" not in refused.text
    for owner, course in (("dee", "internal"), ("cy", "basics")):  # the history is there, for its owners
        history = await _history(people[owner], course)
        assert history.status_code == 200, history.text
        assert [entry["payload"]["tests"]["failing"] for entry in history.json()["entries"]] == [FAILED["failing"]]
