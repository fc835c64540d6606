"""A site for the learner's API: a real database, real jobs and real bubblewrap environments."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from practica.accounts.models import Organization
from practica.accounts.service import create_user
from practica.accounts.sessions import SESSION_COOKIE, start_session
from practica.jobs.queue import connected, jobs
from practica.jobs.resources import SandboxWorker, WorkerResources, worker_resources_for
from practica.lessons.loading import load
from practica.lessons.publishing import publish
from practica.sandbox import Runtime
from practica.sandbox.settings import SandboxSettings
from practica.settings import PracticaSettings
from practica.web.app import create_app, dispose
from tests.practica.lessons.factories import write_course

CHECK = {
    "command": ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=report.xml", "tests"],
    "tests_into": "tests",
}
CSRF = "test-csrf-token-0123456789"


@dataclass
class Site:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    resources: WorkerResources
    runtime: Runtime
    sandbox: SandboxSettings
    app: Any

    async def run_jobs(self) -> None:
        async with connected(jobs, self.url):
            await jobs.run_worker_async(
                wait=False,
                queues=["sandbox", "checks"],
                install_signal_handlers=False,
                additional_context=self.resources.context(),
            )

    async def learner(self, email: str, organization: str | None = None) -> httpx.AsyncClient:
        async with self.sessions() as session, session.begin():
            user = await create_user(session, email, "a long password", email.split("@")[0])
            if organization is not None:
                await _join(session, user.id, organization)
            token = await start_session(session, user.id)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://testserver")
        client.cookies.set(SESSION_COOKIE, token)
        client.cookies.set("practica_csrf", CSRF)
        client.headers["X-CSRF-Token"] = CSRF
        return client


async def _join(session: AsyncSession, user_id: int, slug: str) -> None:
    from practica.accounts.models import Membership

    organization = Organization(slug=slug, name=slug.title())
    session.add(organization)
    await session.flush()
    session.add(Membership(organization_id=organization.id, user_id=user_id, role="member"))


def course_dir(directory: Path, **overrides: Any) -> Path:
    course = write_course(directory, ["add"], **overrides)
    path = course / "add" / "lesson.yaml"
    lesson = yaml.safe_load(path.read_text())
    lesson.update(check=CHECK, hints=[{"text": "Use +.", "after_failed_checks": 1}], run="python3 solution.py")
    path.write_text(yaml.safe_dump(lesson, sort_keys=False))
    return course


@pytest.fixture
async def site(
    practica_db_url: str, bwrap_runtime: Runtime, checks_home: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[Site]:
    engine = create_async_engine(practica_db_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session, session.begin():
        await publish(session, load(course_dir(tmp_path / "basics")), "basics", performer=None)
        private = course_dir(tmp_path / "internal", visibility={"organization": "acme"})
        await publish(session, load(private), "internal", performer=None)
    settings = PracticaSettings(database_url=practica_db_url, practica_home=tmp_path, practica_check_cooldown=0)
    marker = request.node.get_closest_marker("sandbox_settings")
    sandbox = SandboxSettings(home=checks_home, gateway_url="http://gateway.test", **(marker.kwargs if marker else {}))
    resources = worker_resources_for(settings, engine, SandboxWorker(sandbox, bwrap_runtime))
    app = create_app(settings, static_dir=tmp_path / "no-static", sandbox_settings=sandbox)
    yield Site(practica_db_url, engine, sessions, resources, bwrap_runtime, sandbox, app)
    await resources.sandbox.close_remote()
    await dispose(app)
    await engine.dispose()


async def open_lesson(site: Site, client: httpx.AsyncClient, course: str = "basics") -> dict[str, Any]:
    response = await client.post(f"/api/courses/{course}/lessons/add/environment")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "starting"
    await site.run_jobs()  # start, then write the starter files
    ready = await client.get(f"/api/courses/{course}/lessons/add/environment")
    assert ready.json()["status"] == "running", ready.text
    body: dict[str, Any] = ready.json()
    return body
