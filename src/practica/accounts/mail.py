"""Sending mail: SMTP when ``PRACTICA_SMTP_URL`` is set, else the log (and ``/dev/mail`` for admins in development).

Both senders implement :class:`MailSender`. Mail is never sent from a
request: it is queued in the request's transaction (``mail_outbox`` and a
job, :func:`practica.accounts.tasks.queue_mail`) and sent by a worker after
the commit, so a rolled-back sign-up mails nobody.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from practica.accounts.models import DevMail
from practica.settings import Environment, PracticaSettings

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Mail:
    recipient: str
    subject: str
    body: str


class MailSender(Protocol):
    """Delivers one mail or raises; the job retries a failed mail."""

    name: str

    async def send(self, mail: Mail) -> None: ...


@dataclass(frozen=True)
class SmtpServer:
    hostname: str
    port: int
    username: str | None
    password: str | None
    use_tls: bool  # smtps://: TLS from the start; smtp:// upgrades with STARTTLS when the server offers it

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError("PRACTICA_SMTP_URL must look like smtp://[user:pass@]host:port or smtps://…")
        use_tls = parts.scheme == "smtps"
        return cls(
            hostname=parts.hostname,
            port=parts.port or (465 if use_tls else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_tls=use_tls,
        )


class SmtpSender:
    name = "smtp"

    def __init__(self, server: SmtpServer, sender: str) -> None:
        self.server = server
        self.sender = sender

    async def send(self, mail: Mail) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.recipient
        message["Subject"] = mail.subject
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = make_msgid(domain=self.server.hostname)
        message.set_content(mail.body)
        await aiosmtplib.send(
            message,
            hostname=self.server.hostname,
            port=self.server.port,
            username=self.server.username,
            password=self.server.password,
            use_tls=self.server.use_tls,
            timeout=30,
        )


class LogSender:
    """No SMTP server: in development, log the mail and keep it for ``/dev/mail``; in production, say it was dropped.

    Mail holds sign-in secrets (reset links), so outside development only the
    recipient and subject reach the log. In development the whole mail is
    logged for whoever runs the server (on loopback only, unless
    ``PRACTICA_ALLOW_DEVELOPMENT_ON_NETWORK``), and ``/dev/mail`` shows it to
    admins.
    """

    name = "log"

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, development: bool) -> None:
        self.sessions = sessions
        self.development = development

    async def send(self, mail: Mail) -> None:
        if not self.development:
            log.warning("mail.not_sent", reason="PRACTICA_SMTP_URL is unset", to=mail.recipient, subject=mail.subject)
            return
        log.info("mail.dev", to=mail.recipient, subject=mail.subject, body=mail.body)
        async with self.sessions() as session, session.begin():
            session.add(DevMail(recipient=mail.recipient, subject=mail.subject, body=mail.body))


def make_sender(settings: PracticaSettings, sessions: async_sessionmaker[AsyncSession]) -> MailSender:
    smtp_url = settings.practica_smtp_url.get_secret_value()
    if smtp_url:
        return SmtpSender(SmtpServer.from_url(smtp_url), settings.practica_mail_from)
    return LogSender(sessions, development=settings.practica_env is Environment.DEVELOPMENT)
