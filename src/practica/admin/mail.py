"""The admin user page's Mail section: a user's recent mail with its delivery state, and their suppression."""

from __future__ import annotations

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.delivery import lift_suppression, normalized_address, suppression_of
from practica.accounts.models import OutboxMail, User
from practica.admin.errors import AdminError
from practica.admin.schemas import AdminMail, AdminSuppression, UserMail
from practica.ids import UserId

RECENT_MAILS = 50
log = structlog.get_logger(__name__)


async def _address_of(session: AsyncSession, user_id: UserId) -> str:
    email = await session.scalar(select(User.email).where(User.id == user_id))
    if email is None:
        raise AdminError(404, f"no user {user_id}")
    return email


async def user_mail(session: AsyncSession, user_id: UserId) -> UserMail:
    """The user's latest :data:`RECENT_MAILS` mails to their current address, and its suppression if any."""
    address = await _address_of(session, user_id)
    rows = await session.scalars(
        select(OutboxMail)
        .where(OutboxMail.recipient == normalized_address(address))
        .order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
        .limit(RECENT_MAILS)
    )
    suppression = await suppression_of(session, address)
    return UserMail(
        address=address,
        mails=[AdminMail.model_validate(row, from_attributes=True) for row in rows],
        suppression=AdminSuppression.model_validate(suppression, from_attributes=True) if suppression else None,
    )


async def lift(session: AsyncSession, user_id: UserId, *, lifted_by: UserId) -> UserMail:
    """Let the user's address receive mail again; 404 when it is not suppressed."""
    address = await _address_of(session, user_id)
    if not await lift_suppression(session, address):
        raise AdminError(404, f"{address} is not suppressed")
    log.info("mail.suppression_lifted", user_id=user_id, lifted_by=lifted_by)
    return await user_mail(session, user_id)
