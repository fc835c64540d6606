"""Activity views: Practica's events relayed into a real Chronicles, read back through its GraphQL per viewer."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from practica.accounts.models import Membership, Organization, Role
from practica.accounts.service import create_user
from practica.accounts.sessions import SESSION_COOKIE, start_session
from practica.events.outbox import gid, record_event
from practica.jobs.queue import connected, jobs
from practica.jobs.resources import worker_resources_for
from practica.lessons.models import Course
from practica.settings import PracticaSettings
from practica.web.app import create_app, dispose
from tests.conftest import free_port, running_service

RULES = Path(__file__).resolve().parents[3] / "chronicles" / "practica-rules.yaml"
KEY = "a-signing-key-shared-by-both-products-0123456789"


@pytest.fixture
def chronicles(chronicles_db_url: str, tmp_path: Path) -> Iterator[str]:
    env = {"CHRONICLES_DATABASE_URL": chronicles_db_url, "CHRONICLES_SIGNING_KEY": KEY, "PRACTICA_HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-m", "chronicles", "apply", str(RULES)], env=env, check=True, capture_output=True)
    port = free_port()
    argv = [sys.executable, "-m", "chronicles", "serve", "--port", str(port)]
    with running_service(argv, env, f"http://127.0.0.1:{port}") as base:
        yield base


@pytest.fixture
async def world(practica_db_url: str, chronicles: str, tmp_path: Path) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """Ada (learner, member of acme), Bob (learner), Cy (author of basics), Dee (acme's admin), and their activity."""
    settings = PracticaSettings(
        database_url=practica_db_url, practica_home=tmp_path, chronicles_url=chronicles, chronicles_signing_key=KEY
    )
    engine = create_async_engine(practica_db_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    app = create_app(settings, static_dir=tmp_path / "no-static")
    clients = {}
    async with sessions() as session, session.begin():
        acme = Organization(slug="acme", name="Acme")
        session.add(acme)
        await session.flush()
        for name, role in (("ada", Role.LEARNER), ("bob", Role.LEARNER), ("cy", Role.AUTHOR), ("dee", Role.LEARNER)):
            user = await create_user(session, f"{name}@example.org", "a long password", name.title(), role)
            if name in ("ada", "dee"):
                session.add(
                    Membership(organization_id=acme.id, user_id=user.id, role="admin" if name == "dee" else "member")
                )
            client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
            client.cookies.set(SESSION_COOKIE, await start_session(session, user.id))
            clients[name] = client
            await _activity(session, user.id, name)
            if name == "cy":
                session.add(Course(id="basics", owner_id=user.id))
        session.add(Course(id="internal", organization_id=acme.id))
    async with connected(jobs, practica_db_url):
        await jobs.run_worker_async(
            wait=False, queues=["default"], install_signal_handlers=False,
            additional_context=worker_resources_for(settings, engine).context(),
        )  # fmt: skip
    yield clients
    for client in clients.values():
        await client.aclose()
    await dispose(app)
    await engine.dispose()


async def _activity(session: AsyncSession, user_id: int, name: str) -> None:
    """Ada checks a lesson of acme's private course; Bob passes a public lesson."""
    if name not in ("ada", "bob"):
        return
    course, org = ("internal", "acme") if name == "ada" else ("basics", None)
    payload = {
        "course": {"id": course}, "lesson": {"id": f"{course}/add", "slug": "add", "title": "Add two numbers"},
        "attempt": user_id, "verdict": "passed", "tests": {"passed": 2, "total": 2, "failing": []},
        **({"org": org} if org else {}),
    }  # fmt: skip
    await record_event(
        session, subject=gid("Check", user_id), action="check.passed", performer=gid("User", user_id), payload=payload
    )


async def test_a_learner_sees_their_own_history_only(world: dict[str, httpx.AsyncClient]) -> None:
    mine = await world["bob"].get("/api/activity")
    assert mine.status_code == 200, mine.text
    entries = mine.json()["entries"]
    assert [(entry["action"], entry["text"]) for entry in entries] == [
        ("check.passed", "passed all 2 tests of Add two numbers")
    ]
    assert entries[0]["payload"]["course"] == {"id": "basics"}
    assert [
        entry["payload"]["course"]["id"] for entry in (await world["ada"].get("/api/activity")).json()["entries"]
    ] == ["internal"]
    assert (await world["cy"].get("/api/activity")).json()["entries"] == []


async def test_a_courses_owners_read_a_lessons_history_and_learners_may_not(
    world: dict[str, httpx.AsyncClient],
) -> None:
    query = {"scope": "lesson", "course": "basics", "lesson": "add"}
    history = await world["cy"].get("/api/activity", params=query)
    assert [entry["performer"] for entry in history.json()["entries"]] == [gid("User", 2)]
    assert [entry["performer_name"] for entry in history.json()["entries"]] == ["Bob"]
    assert [entry["subject_name"] for entry in history.json()["entries"]] == [None]  # no such check: the id shows
    assert (await world["bob"].get("/api/activity", params=query)).status_code == 403
    internal = await world["dee"].get("/api/activity", params={**query, "course": "internal"})  # acme's admin
    assert [entry["performer"] for entry in internal.json()["entries"]] == [gid("User", 1)]
    assert (await world["ada"].get("/api/activity", params={**query, "course": "internal"})).status_code == 403


async def test_an_organisations_admins_read_its_audit(world: dict[str, httpx.AsyncClient]) -> None:
    query = {"scope": "organization", "organization": "acme"}
    audit = await world["dee"].get("/api/activity", params=query)
    assert [entry["payload"]["org"] for entry in audit.json()["entries"]] == ["acme"]
    assert (await world["ada"].get("/api/activity", params=query)).status_code == 403  # a member, not an admin
    assert (await world["bob"].get("/api/activity", params=query)).status_code == 404  # not a member


async def test_signed_out_visitors_have_no_activity(world: dict[str, httpx.AsyncClient]) -> None:
    client = world["bob"]
    client.cookies.delete(SESSION_COOKIE)
    assert (await client.get("/api/activity")).status_code == 401
