"""Sending mail: SMTP when ``PRACTICA_SMTP_URL`` is set, else the log (and ``/dev/mail`` for admins in development).

Both senders implement :class:`MailSender`. Mail is never sent from a
request: it is queued in the request's transaction (``mail_outbox`` and a
job, :func:`practica.accounts.tasks.queue_mail`) and sent by a worker after
the commit, so a rolled-back sign-up mails nobody.

A sender answers what the server said (:class:`Answer`) or raises
:class:`DeliveryFailed`, which tells a permanent refusal of the recipient (a
5xx at RCPT or DATA: the mail bounced) from anything worth another try (4xx,
the server unreachable, refused credentials). Errors carry the server's code
and text only, never the mail or the SMTP URL's password.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
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
    message_id: str | None = None  # the job sets one and keeps it across retries, so a bounce report finds it


@dataclass(frozen=True)
class Answer:
    """What the receiving side said to a mail it took: an SMTP code and text (no code for the log)."""

    code: int | None
    text: str
    delivered: bool = True  # False: nobody took it (no SMTP server in production), so it is recorded dropped


class DeliveryFailed(Exception):  # noqa: N818  (a failed delivery, named as the operator would say it)
    """The mail did not go: ``permanent`` when the server refused the recipient or the mail (5xx at RCPT/DATA)."""

    def __init__(self, code: int | None, text: str, *, permanent: bool) -> None:
        super().__init__(f"{code} {text}" if code else text)
        self.code, self.text, self.permanent = code, text[:1000], permanent


class MailSender(Protocol):
    """Delivers one mail or raises :class:`DeliveryFailed`; the job retries a mail that failed for now."""

    name: str
    domain: str  # the right-hand side of the Message-IDs the job makes

    async def send(self, mail: Mail) -> Answer: ...


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


def _refusal(error: aiosmtplib.SMTPException) -> DeliveryFailed:
    """The server's answer in ``error``, permanent for a 5xx refusal of the recipient or of the mail itself."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused) and error.recipients:
        error = error.recipients[0]
    if isinstance(error, aiosmtplib.SMTPRecipientRefused | aiosmtplib.SMTPDataError):
        return DeliveryFailed(error.code, error.message, permanent=500 <= error.code < 600)
    if isinstance(error, aiosmtplib.SMTPResponseException):  # our sender or credentials refused: fix and retry
        return DeliveryFailed(error.code, error.message, permanent=False)
    return DeliveryFailed(None, f"{type(error).__name__}: {error}", permanent=False)


class SmtpSender:
    name = "smtp"

    def __init__(self, server: SmtpServer, sender: str) -> None:
        self.server = server
        self.sender = sender
        self.domain = parseaddr(sender)[1].rpartition("@")[2] or server.hostname

    async def send(self, mail: Mail) -> Answer:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = mail.recipient
        message["Subject"] = mail.subject
        message["Date"] = format_datetime(datetime.now(UTC))
        message["Message-ID"] = mail.message_id or make_msgid(domain=self.domain)
        message.set_content(mail.body)
        try:
            _, response = await aiosmtplib.send(
                message,
                hostname=self.server.hostname,
                port=self.server.port,
                username=self.server.username,
                password=self.server.password,
                use_tls=self.server.use_tls,
                timeout=30,
            )
        except aiosmtplib.SMTPException as error:
            raise _refusal(error) from error
        except OSError as error:
            raise DeliveryFailed(None, f"{type(error).__name__}: {error}", permanent=False) from error
        return Answer(250, response)  # aiosmtplib hands back the text of DATA's final 250


class LogSender:
    """No SMTP server: in development, log the mail and keep it for ``/dev/mail``; in production, say it was dropped.

    Mail holds sign-in secrets (reset links), so outside development only the
    recipient and subject reach the log. In development the whole mail is
    logged for whoever runs the server (on loopback only, unless
    ``PRACTICA_ALLOW_DEVELOPMENT_ON_NETWORK``), and ``/dev/mail`` shows it to
    admins.
    """

    name = "log"
    domain = "localhost"

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, development: bool) -> None:
        self.sessions = sessions
        self.development = development

    async def send(self, mail: Mail) -> Answer:
        if not self.development:
            log.warning("mail.not_sent", reason="PRACTICA_SMTP_URL is unset", to=mail.recipient, subject=mail.subject)
            return Answer(None, "not sent: PRACTICA_SMTP_URL is unset", delivered=False)
        log.info("mail.dev", to=mail.recipient, subject=mail.subject, body=mail.body)
        async with self.sessions() as session, session.begin():
            session.add(DevMail(recipient=mail.recipient, subject=mail.subject, body=mail.body))
        return Answer(None, "kept for /dev/mail")


def make_sender(settings: PracticaSettings, sessions: async_sessionmaker[AsyncSession]) -> MailSender:
    smtp_url = settings.practica_smtp_url.get_secret_value()
    if smtp_url:
        return SmtpSender(SmtpServer.from_url(smtp_url), settings.practica_mail_from)
    return LogSender(sessions, development=settings.practica_env is Environment.DEVELOPMENT)
