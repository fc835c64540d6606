"""Creating organisations, inviting, joining and leaving, as operations on a session's transaction.

An invitation is either for one email address (mailed; accepted once, by the
signed-in user with that address) or a shareable link (accepted by anyone
signed in, any number of times, until it expires or is revoked). Both
expire after :data:`INVITATION_LIFETIME`. Joining or leaving updates the
app's :class:`~practica.accounts.memberships.RecentMemberships` at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts import messages
from practica.accounts.memberships import RecentMemberships
from practica.accounts.models import Invitation, MemberRole, Membership, Organization, User
from practica.accounts.tasks import queue_mail
from practica.accounts.tokens import new_token, token_hash
from practica.ids import UserId
from practica.organizations.errors import BAD_INVITATION, OrganizationError
from practica.organizations.queries import OrganizationRef
from practica.settings import PracticaSettings
from servicekit.caching import forget_now_and_at_commit

INVITATION_LIFETIME = timedelta(days=7)


@dataclass(frozen=True)
class NewInvitation:
    """An invitation just made, with its link (the only time the link is known: only its hash is stored)."""

    id: int
    link: str
    email: str | None
    expires_at: datetime


async def create_organization(
    session: AsyncSession, recent: RecentMemberships, creator: User, slug: str, name: str
) -> Organization:
    """A new organisation with ``creator`` as its admin; 409 when the slug is taken."""
    organization_id = await session.scalar(
        insert(Organization).values(slug=slug, name=name).on_conflict_do_nothing().returning(Organization.id)
    )
    if organization_id is None:
        raise OrganizationError(409, f"The organization {slug!r} already exists")
    session.add(Membership(organization_id=organization_id, user_id=creator.id, role=MemberRole.ADMIN.value))
    forget_now_and_at_commit(session, lambda: recent.forget(creator.id))
    await session.flush()
    return await session.get_one(Organization, organization_id)


async def invite(
    session: AsyncSession,
    settings: PracticaSettings,
    organization: OrganizationRef,
    inviter: User,
    *,
    email: str | None,
    role: MemberRole = MemberRole.MEMBER,
) -> NewInvitation:
    """Make an invitation and return it with its link; with ``email``, mail the link there."""
    token = new_token()
    invitation = Invitation(
        organization_id=organization.id,
        token_hash=token_hash(token),
        email=email,
        role=role.value,
        created_by=inviter.id,
        expires_at=datetime.now(UTC) + INVITATION_LIFETIME,
    )
    session.add(invitation)
    await session.flush()
    if email is not None:
        mail = messages.invitation(settings, email, organization.name, inviter.display_name, token)
        await queue_mail(session, mail)
    link = messages.link(settings, f"/invitations/{token}")
    return NewInvitation(invitation.id, link, invitation.email, invitation.expires_at)


async def revoke(session: AsyncSession, organization_id: int, invitation_id: int) -> None:
    invitation = await session.scalar(
        select(Invitation).where(Invitation.id == invitation_id, Invitation.organization_id == organization_id)
    )
    if invitation is None:
        raise OrganizationError(404, "No such invitation")
    invitation.revoked_at = invitation.revoked_at or datetime.now(UTC)


async def accept(session: AsyncSession, recent: RecentMemberships, token: str, user: User) -> int:
    """Join the invitation's organisation (already a member: nothing changes); its id."""
    invitation = await session.scalar(
        select(Invitation)
        .where(
            Invitation.token_hash == token_hash(token),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > func.now(),
        )
        .with_for_update()
    )
    if invitation is None or (invitation.email is not None and invitation.accepted_at is not None):
        raise OrganizationError(400, BAD_INVITATION)
    if invitation.email is not None and invitation.email != user.email:
        raise OrganizationError(403, "This invitation was sent to another email address")
    await session.execute(
        insert(Membership)
        .values(organization_id=invitation.organization_id, user_id=user.id, role=invitation.role)
        .on_conflict_do_nothing()
    )
    invitation.accepted_at = datetime.now(UTC)
    forget_now_and_at_commit(session, lambda: recent.forget(user.id))
    return invitation.organization_id


async def remove_member(
    session: AsyncSession, recent: RecentMemberships, organization_id: int, user_id: UserId
) -> None:
    """Remove a member; the last admin stays (409), so an organisation is never left without one."""
    # Lock the organisation: two admins removing each other at once must not both succeed.
    await session.execute(select(Organization.id).where(Organization.id == organization_id).with_for_update())
    membership = await session.get(Membership, (organization_id, user_id))
    if membership is None:
        raise OrganizationError(404, "No such member")
    forget_now_and_at_commit(session, lambda: recent.forget(user_id))
    if membership.role == MemberRole.ADMIN.value:
        admins = await session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.organization_id == organization_id, Membership.role == MemberRole.ADMIN.value)
        )
        if admins == 1:
            raise OrganizationError(409, "An organization keeps at least one admin")
    await session.delete(membership)
