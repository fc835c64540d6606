"""The accounts' jobs: sending queued mail, and purging what has expired."""

from __future__ import annotations

from email.utils import make_msgid

import procrastinate
import structlog
from procrastinate import JobContext
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from practica.accounts.delivery import MAX_ATTEMPTS, record_answer, record_failure, record_suppressed, suppression_of
from practica.accounts.mail import DeliveryFailed, Mail, MailSender, make_sender
from practica.accounts.models import AccountToken, Invitation, MailState, OutboxMail, RateLimitCounter, UserSession
from practica.jobs.queue import defer_in_transaction, jobs
from practica.jobs.resources import worker_resources

SEND_MAIL_TASK = "practica.accounts.send_mail"
UNSENT = (MailState.QUEUED.value, MailState.DEFERRED.value)
log = structlog.get_logger(__name__)


async def queue_mail(session: AsyncSession, mail: Mail) -> int:
    """Queue ``mail`` in ``session``'s transaction; a worker sends it after the commit."""
    row = OutboxMail(recipient=mail.recipient, subject=mail.subject, body=mail.body)
    session.add(row)
    await session.flush()
    await defer_in_transaction(session, send_mail, mail_id=row.id)
    return row.id


async def deliver(sessions: async_sessionmaker[AsyncSession], sender: MailSender, mail_id: int) -> bool:
    """Send one outbox mail unless it is out already or its address is suppressed; record how it went.

    Returns whether the mail was sent. A refusal for good (5xx at RCPT/DATA)
    bounces it and suppresses the address; a failure for now defers it and is
    raised again so that the job retries it, until the tries run out.
    """
    async with sessions() as session, session.begin():
        row = await session.scalar(
            select(OutboxMail)
            .where(OutboxMail.id == mail_id, OutboxMail.state.in_(UNSENT))
            .with_for_update(skip_locked=True)
        )
        if row is None:
            return False
        failure = await _send_or_record(session, sender, row)
    if failure is not None:
        log.warning("mail.deferred", mail_id=mail_id, sender=sender.name, error=str(failure))
        raise failure
    log.info("mail.done", mail_id=mail_id, sender=sender.name, state=row.state)
    return row.state == MailState.SENT


async def _send_or_record(session: AsyncSession, sender: MailSender, row: OutboxMail) -> DeliveryFailed | None:
    """Try ``row`` once and record the outcome on it; the failure to raise when the job should retry."""
    suppression = await suppression_of(session, row.recipient)
    if suppression is not None:
        record_suppressed(row, suppression)
        return None
    row.message_id = row.message_id or make_msgid(domain=sender.domain)
    try:
        answer = await sender.send(Mail(row.recipient, row.subject, row.body, row.message_id))
    except DeliveryFailed as failure:  # recorded on the row; raised again (after the commit) to retry
        done = await record_failure(session, row, failure)
        return None if done else failure
    record_answer(row, answer)
    return None


@jobs.task(
    name=SEND_MAIL_TASK,
    queue="default",
    pass_context=True,
    retry=procrastinate.RetryStrategy(max_attempts=MAX_ATTEMPTS, exponential_wait=5),  # the mail bounces first
)
async def send_mail(context: JobContext, mail_id: int) -> None:
    resources = worker_resources(context)
    await deliver(resources.sessions, make_sender(resources.settings, resources.sessions), mail_id)


async def purge(session: AsyncSession) -> None:
    """Delete expired sessions, tokens and invitations, old rate-limit windows; wipe what a week-old mail still
    holds and delete delivery records after 90 days."""
    day_ago = func.now() - text("interval '1 day'")
    await session.execute(delete(UserSession).where(UserSession.expires_at < func.now()))
    await session.execute(delete(AccountToken).where(AccountToken.expires_at < day_ago))
    await session.execute(delete(RateLimitCounter).where(RateLimitCounter.window_start < day_ago))
    await session.execute(delete(Invitation).where(Invitation.expires_at < day_ago))
    week_ago = func.now() - text("interval '7 days'")
    await session.execute(
        update(OutboxMail)
        .where(OutboxMail.created_at < week_ago, OutboxMail.state.in_(UNSENT))
        .values(state=MailState.BOUNCED.value, state_changed_at=func.now(), smtp_message="not sent within 7 days")
    )
    await session.execute(
        update(OutboxMail).where(OutboxMail.created_at < week_ago, OutboxMail.body != "").values(body="")
    )
    await session.execute(delete(OutboxMail).where(OutboxMail.created_at < func.now() - text("interval '90 days'")))


@jobs.periodic(cron="17 * * * *", periodic_id="accounts-purge")
@jobs.task(name="practica.accounts.purge", queue="default", pass_context=True)
async def purge_periodic(context: JobContext, timestamp: int) -> None:
    async with worker_resources(context).sessions() as session, session.begin():
        await purge(session)
