"""A Practica web app on a fresh database, with users of each role, jobs run inline and real bubblewrap."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from practica.accounts.models import Membership, Organization, Role
from practica.accounts.service import create_user
from practica.accounts.sessions import SESSION_COOKIE, start_session
from practica.jobs.queue import connected, jobs
from practica.jobs.resources import SandboxWorker, WorkerResources, worker_resources_for
from practica.sandbox import Runtime
from practica.sandbox.settings import SandboxSettings
from practica.settings import PracticaSettings
from practica.web.app import create_app, dispose

CSRF = "test-csrf-token-0123456789"


@dataclass
class Site:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    resources: WorkerResources
    sandbox: SandboxSettings
    app: FastAPI
    runtime: Runtime | None = None
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    async def run_jobs(self, queues: tuple[str, ...] = ("sandbox",)) -> None:
        async with connected(jobs, self.url):
            await jobs.run_worker_async(
                wait=False,
                queues=list(queues),
                install_signal_handlers=False,
                additional_context=self.resources.context(),
            )

    async def client(self, email: str, role: Role = Role.LEARNER, organization: str | None = None) -> httpx.AsyncClient:
        """A signed-in user's client (sending the CSRF token), closed with the site."""
        async with self.sessions() as session, session.begin():
            user = await create_user(session, email, "a long password", email.split("@")[0], role)
            if organization is not None:
                found = await session.scalar(
                    text("SELECT id FROM organizations WHERE slug = :slug").bindparams(slug=organization)
                )
                if found is None:
                    made = Organization(slug=organization, name=organization.title())
                    session.add(made)
                    await session.flush()
                    found = made.id
                session.add(Membership(organization_id=found, user_id=user.id, role="member"))
            token = await start_session(session, user.id)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://testserver")
        client.cookies.set(SESSION_COOKIE, token)
        client.cookies.set("practica_csrf", CSRF)
        client.headers["X-CSRF-Token"] = CSRF
        self.clients.append(client)
        return client

    async def scalar(self, query: str, **params: Any) -> Any:
        async with self.sessions() as session:
            return await session.scalar(text(query).bindparams(**params))


@asynccontextmanager
async def running_site(
    database_url: str, home: Path, sandbox_home: Path, runtime: Runtime | None = None, *, stress_runs: int = 0
) -> AsyncIterator[Site]:
    """The site; its drafts' validation runs no stress pass unless ``stress_runs`` says (tests of it do)."""
    engine = create_async_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    settings = PracticaSettings(
        database_url=database_url, practica_home=home, practica_check_cooldown=0,
        practica_validate_stress_runs=stress_runs,
    )  # fmt: skip
    sandbox = SandboxSettings(home=sandbox_home, gateway_url="http://gateway.test")
    resources = worker_resources_for(settings, engine, SandboxWorker(sandbox, runtime) if runtime else None)
    app = create_app(settings, static_dir=home / "no-static", sandbox_settings=sandbox)
    site = Site(database_url, engine, sessions, resources, sandbox, app, runtime)
    try:
        yield site
    finally:
        for client in site.clients:
            await client.aclose()
        await dispose(app)
        await engine.dispose()
