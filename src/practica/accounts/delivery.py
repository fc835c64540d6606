"""A mail's delivery state, and the addresses that get no more mail.

The send job moves a mail from ``queued`` to ``sent``, to ``deferred`` (a 4xx
or an unreachable server: retried with backoff until :data:`MAX_ATTEMPTS`,
then ``bounced``), to ``bounced`` (a 5xx refusal at RCPT or DATA), or to
``suppressed`` when its address is on the suppression list. Bounce reports
that come later (:mod:`practica.accounts.mail_events`) move a sent mail to
``bounced`` or ``complained``. A hard bounce and a complaint put the address
on the list; only an admin takes it off. A mail that ran out of retries is
not the address's fault and suppresses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

import structlog
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.mail import Answer, DeliveryFailed
from practica.accounts.models import MailState, MailSuppression, OutboxMail, SuppressionReason

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 8
"""Tries of one mail before a temporary failure counts as a bounce (the job's retry budget is no smaller)."""


def _set_state(row: OutboxMail, state: MailState, code: int | None, message: str) -> None:
    row.state = state.value
    row.state_changed_at = datetime.now(UTC)
    row.smtp_code = code
    row.smtp_message = message[:1000]


def normalized_address(address: str) -> str:
    return address.strip().lower()


async def suppression_of(session: AsyncSession, address: str) -> MailSuppression | None:
    return await session.get(MailSuppression, normalized_address(address))


async def suppress(session: AsyncSession, row: OutboxMail, reason: SuppressionReason, detail: str) -> None:
    """Put ``row``'s address on the list; a complaint replaces a bounce, never the other way round."""
    values = {
        "address": normalized_address(row.recipient),
        "reason": reason.value,
        "detail": detail[:1000],
        "mail_id": row.id,
    }
    statement = insert(MailSuppression).values(values)
    if reason is SuppressionReason.COMPLAINED:
        statement = statement.on_conflict_do_update(
            index_elements=[MailSuppression.address], set_={"reason": reason.value, "detail": values["detail"]}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=[MailSuppression.address])
    await session.execute(statement)
    log.warning("mail.suppressed", mail_id=row.id, reason=reason.value)


def record_answer(row: OutboxMail, answer: Answer) -> None:
    """The sender took the mail: sent when a server accepted it, dropped when there was none to hand it to."""
    _set_state(row, MailState.SENT if answer.delivered else MailState.DROPPED, answer.code, answer.text)
    row.sent_at = datetime.now(UTC) if answer.delivered else None
    row.body = ""


def record_suppressed(row: OutboxMail, suppression: MailSuppression) -> None:
    _set_state(row, MailState.SUPPRESSED, None, f"not sent: the address {suppression.reason} ({suppression.detail})")
    row.body = ""


async def record_failure(session: AsyncSession, row: OutboxMail, failure: DeliveryFailed) -> bool:
    """Record a failed try; True when the mail is done with (bounced), False when the job should retry it."""
    row.attempts += 1
    row.last_error = str(failure)[:1000]
    if failure.permanent:
        _set_state(row, MailState.BOUNCED, failure.code, failure.text)
        row.body = ""
        await suppress(session, row, SuppressionReason.BOUNCED, str(failure))
        return True
    if row.attempts >= MAX_ATTEMPTS:
        _set_state(row, MailState.BOUNCED, failure.code, f"gave up after {row.attempts} tries: {failure.text}")
        row.body = ""
        return True
    _set_state(row, MailState.DEFERRED, failure.code, failure.text)
    return False


class EventKind(StrEnum):
    HARD_BOUNCE = "hard_bounce"
    SOFT_BOUNCE = "soft_bounce"
    COMPLAINT = "complaint"


@dataclass(frozen=True)
class MailEvent:
    """One report about one mail: from a DSN or a provider's webhook, already checked for shape."""

    kind: EventKind
    recipient: str | None
    message_id: str | None  # the Message-ID header we set, with or without its angle brackets
    detail: str
    code: int | None = None


def _storable(text: str) -> str:
    """``text`` as PostgreSQL stores it: no NUL, and no lone surrogates (a DSN's undecodable bytes)."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def _storable_event(event: MailEvent) -> MailEvent:
    return replace(
        event,
        recipient=_storable(event.recipient) if event.recipient else None,
        message_id=_storable(event.message_id) if event.message_id else None,
        detail=_storable(event.detail),
    )


def bracketed(message_id: str) -> str:
    inner = message_id.strip().removeprefix("<").removesuffix(">")
    return f"<{inner}>"


async def _mail_of(session: AsyncSession, event: MailEvent) -> OutboxMail | None:
    """The mail an event is about: by our Message-ID, else the latest mail handed over to its recipient."""
    query = select(OutboxMail).with_for_update()
    if event.message_id:
        return await session.scalar(query.where(OutboxMail.message_id == bracketed(event.message_id)))
    if not event.recipient:
        return None
    handed_over = (MailState.SENT.value, MailState.DEFERRED.value, MailState.BOUNCED.value)
    return await session.scalar(
        query.where(OutboxMail.recipient == normalized_address(event.recipient), OutboxMail.state.in_(handed_over))
        .order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
        .limit(1)
    )


async def apply_event(session: AsyncSession, event: MailEvent) -> bool:
    """Move the mail the event is about; False when no mail of ours matches (another sender's, or purged)."""
    event = _storable_event(event)
    row = await _mail_of(session, event)
    if row is None:
        log.info("mail.event_unmatched", kind=event.kind.value)
        return False
    if event.kind is EventKind.COMPLAINT:
        _set_state(row, MailState.COMPLAINED, event.code, event.detail)
        await suppress(session, row, SuppressionReason.COMPLAINED, event.detail)
        row.body = ""
    elif event.kind is EventKind.HARD_BOUNCE:
        if row.state != MailState.COMPLAINED:
            _set_state(row, MailState.BOUNCED, event.code, event.detail)
        await suppress(session, row, SuppressionReason.BOUNCED, event.detail)
        row.body = ""
    elif row.state == MailState.SENT:  # a relay that took the mail still tries: shown, nothing to retry here
        _set_state(row, MailState.DEFERRED, event.code, event.detail)
    log.info("mail.event", mail_id=row.id, kind=event.kind.value)
    return True


async def lift_suppression(session: AsyncSession, address: str) -> bool:
    """Let ``address`` receive mail again; False when it was not suppressed."""
    result = await session.execute(
        delete(MailSuppression)
        .where(MailSuppression.address == normalized_address(address))
        .returning(MailSuppression.address)
    )
    return result.first() is not None
