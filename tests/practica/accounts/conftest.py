"""A Practica web app on a fresh database, a worker run on demand, and a real SMTP server on loopback (one that
answers from a script, for the mail delivery tests)."""

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
from tests.practica.accounts.factories import UserFactory, post, sign_in
from tests.smtp_server import smtp_controller


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
    controller = smtp_controller(inbox)
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


WEBHOOK_SECRET = "a webhook secret of the test's own"


@dataclass
class ScriptedInbox(Inbox):
    """An inbox whose server answers RCPT TO (and DATA) for an address from a script, one answer a try, then 250."""

    rcpt_answers: dict[str, list[str]] = field(default_factory=dict)
    data_answers: dict[str, list[str]] = field(default_factory=dict)
    rcpt_tries: list[str] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802  (aiosmtpd's hook name)
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        self.rcpt_tries.append(address)
        if self.rcpt_answers.get(address):
            return self.rcpt_answers[address].pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        [recipient] = envelope.rcpt_tos
        if self.data_answers.get(recipient):
            return self.data_answers[recipient].pop(0)
        return await super().handle_DATA(server, session, envelope)


@dataclass
class MailLab:
    site: Site
    inbox: ScriptedInbox

    def user(self, email: str) -> int:
        [user] = self.site.save(UserFactory.build(email=email))
        return user.id

    def mail_a_reset_link(self, email: str) -> None:
        """Queue a mail to ``email`` the way a visitor does (a reset request) and run the mail job."""
        assert post(self.site.client, "/api/auth/reset-request", {"email": email}).status_code == 202
        self.site.run_jobs()

    def retry_now(self) -> None:
        """Make the retries the job scheduled for later due now, and run them."""
        self.site.sql("UPDATE procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo'")
        self.site.run_jobs()

    def mails(self) -> list[Any]:
        """(recipient, state, smtp_code, smtp_message, attempts, body kept), oldest first."""
        return self.site.sql(
            "SELECT recipient, state, smtp_code, smtp_message, attempts, body <> '' FROM mail_outbox ORDER BY id"
        )

    def browser_of_admin(self) -> TestClient:
        """A browser of its own, signed in as a new admin."""
        [admin] = self.site.save(UserFactory.build(admin=True))
        browser = self.site.browser()
        sign_in(browser, admin.email)
        return browser

    def suppressions(self) -> list[Any]:
        return self.site.sql("SELECT address, reason FROM mail_suppressions ORDER BY address")


@pytest.fixture
def mail_lab(practica_db_url: str, tmp_path: Path) -> Iterator[MailLab]:
    inbox = ScriptedInbox()
    controller = smtp_controller(inbox)
    controller.start()
    try:
        for site in make_site(
            practica_db_url,
            tmp_path,
            practica_smtp_url=SecretStr(f"smtp://127.0.0.1:{controller.port}"),
            practica_mail_webhook_secret=SecretStr(WEBHOOK_SECRET),
        ):
            yield MailLab(site, inbox)
    finally:
        controller.stop()
