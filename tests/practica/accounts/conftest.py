"""A Practica web app on a fresh database, a worker run on demand, and a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
import email
import email.message
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import CursorResult, text

from practica.accounts.models import User
from practica.jobs.queue import connected, jobs
from practica.jobs.resources import worker_resources_for
from practica.settings import PracticaSettings
from practica.web.app import create_app
from servicekit.database import make_engine, make_sessionmaker
from tests.conftest import free_port


@dataclass
class Inbox:
    """What the test SMTP server received."""

    messages: list[email.message.EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802  (aiosmtpd's hook name)
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, email.message.EmailMessage)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller.port, inbox
    controller.stop()


@dataclass
class Site:
    """The web app on its own database, and what tests need around it."""

    url: str
    settings: PracticaSettings
    client: TestClient

    def browser(self) -> TestClient:
        """Another browser on the same app: its own cookies."""
        return TestClient(self.client.app, base_url=str(self.client.base_url))

    def run_jobs(self) -> None:
        """Run the queued jobs (mail) with a real worker, as ``practica worker`` would."""
        asyncio.run(self._run_jobs())

    async def _run_jobs(self) -> None:
        engine = make_engine(self.url, pool_size=2)
        try:
            async with connected(jobs, self.url):
                await jobs.run_worker_async(
                    wait=False,
                    queues=["default"],
                    install_signal_handlers=False,
                    additional_context=worker_resources_for(self.settings, engine).context(),
                )
        finally:
            await engine.dispose()

    def save(self, *users: User) -> list[User]:
        asyncio.run(self._save(users))
        return list(users)

    async def _save(self, users: tuple[User, ...]) -> None:
        engine = make_engine(self.url, pool_size=1)
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                session.add_all(users)
        finally:
            await engine.dispose()

    def sql(self, statement: str, **params: Any) -> list[Any]:
        return asyncio.run(self._sql(statement, params))

    async def _sql(self, statement: str, params: dict[str, Any]) -> list[Any]:
        engine = make_engine(self.url, pool_size=1)
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                result = await session.execute(text(statement), params)
                return list(result.all()) if isinstance(result, CursorResult) and result.returns_rows else []
        finally:
            await engine.dispose()


def make_site(url: str, home: Path, *, base_url: str = "http://testserver", **overrides: Any) -> Iterator[Site]:
    settings = PracticaSettings(database_url=url, practica_home=home, **overrides)
    with TestClient(create_app(settings, static_dir=home / "no-static"), base_url=base_url) as client:
        yield Site(url, settings, client)


@pytest.fixture
def site(practica_db_url: str, tmp_path: Path) -> Iterator[Site]:
    """Development settings: mail goes to the log and ``/dev/mail``."""
    yield from make_site(practica_db_url, tmp_path)


@pytest.fixture
def smtp_site(practica_db_url: str, tmp_path: Path, smtp_server: tuple[int, Inbox]) -> Iterator[Site]:
    port, _ = smtp_server
    yield from make_site(practica_db_url, tmp_path, practica_smtp_url=SecretStr(f"smtp://127.0.0.1:{port}"))
