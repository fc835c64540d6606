"""The accounts' jobs: sending queued mail, and purging what has expired."""

from __future__ import annotations

from datetime import UTC, datetime

import procrastinate
import structlog
from procrastinate import JobContext
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from practica.accounts.mail import Mail, MailSender, make_sender
from practica.accounts.models import AccountToken, Invitation, OutboxMail, RateLimitCounter, UserSession
from practica.jobs.queue import defer_in_transaction, jobs
from practica.jobs.resources import worker_resources

SEND_MAIL_TASK = "practica.accounts.send_mail"
log = structlog.get_logger(__name__)


async def queue_mail(session: AsyncSession, mail: Mail) -> int:
    """Queue ``mail`` in ``session``'s transaction; a worker sends it after the commit."""
    row = OutboxMail(recipient=mail.recipient, subject=mail.subject, body=mail.body)
    session.add(row)
    await session.flush()
    await defer_in_transaction(session, send_mail, mail_id=row.id)
    return row.id


async def deliver(sessions: async_sessionmaker[AsyncSession], sender: MailSender, mail_id: int) -> bool:
    """Send one outbox mail unless it is already out; wipe its body once sent. Raise when sending failed."""
    async with sessions() as session, session.begin():
        row = await session.scalar(
            select(OutboxMail)
            .where(OutboxMail.id == mail_id, OutboxMail.sent_at.is_(None))
            .with_for_update(skip_locked=True)
        )
        if row is None:
            return False
        failure: Exception | None = None
        try:
            await sender.send(Mail(row.recipient, row.subject, row.body))
        except Exception as error:  # recorded on the row, then raised again so the job is retried
            failure = error
            row.attempts += 1
            row.last_error = f"{type(error).__name__}: {error}"[:1000]
        else:
            row.sent_at = datetime.now(UTC)
            row.body = ""
    if failure is not None:
        log.warning("mail.failed", mail_id=mail_id, sender=sender.name, error=str(failure))
        raise failure
    log.info("mail.sent", mail_id=mail_id, sender=sender.name)
    return True


@jobs.task(
    name=SEND_MAIL_TASK,
    queue="default",
    pass_context=True,
    retry=procrastinate.RetryStrategy(max_attempts=8, exponential_wait=5),
)
async def send_mail(context: JobContext, mail_id: int) -> None:
    resources = worker_resources(context)
    await deliver(resources.sessions, make_sender(resources.settings, resources.sessions), mail_id)


async def purge(session: AsyncSession) -> None:
    """Delete expired sessions, tokens and invitations, old rate-limit windows, and mail older than a week."""
    day_ago = func.now() - text("interval '1 day'")
    await session.execute(delete(UserSession).where(UserSession.expires_at < func.now()))
    await session.execute(delete(AccountToken).where(AccountToken.expires_at < day_ago))
    await session.execute(delete(RateLimitCounter).where(RateLimitCounter.window_start < day_ago))
    await session.execute(delete(Invitation).where(Invitation.expires_at < day_ago))
    await session.execute(delete(OutboxMail).where(OutboxMail.created_at < func.now() - text("interval '7 days'")))


@jobs.periodic(cron="17 * * * *", periodic_id="accounts-purge")
@jobs.task(name="practica.accounts.purge", queue="default", pass_context=True)
async def purge_periodic(context: JobContext, timestamp: int) -> None:
    async with worker_resources(context).sessions() as session, session.begin():
        await purge(session)
