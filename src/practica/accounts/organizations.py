"""Organisations, their members and invitations; who may see an organisation's private courses.

An invitation is either for one email address (mailed; accepted once, by the
signed-in user with that address) or a shareable link (accepted by anyone
signed in, any number of times, until it expires or is revoked). Both
expire after :data:`INVITATION_LIFETIME`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts import messages
from practica.accounts.errors import AccountError
from practica.accounts.models import Invitation, MemberRole, Membership, Organization, Role, User
from practica.accounts.sessions import RECENT_AT_MOST, RECENT_FOR
from practica.accounts.tasks import queue_mail
from practica.accounts.tokens import new_token, token_hash
from practica.settings import PracticaSettings
from servicekit.caching import RefreshAheadCache, forget_now_and_at_commit
from servicekit.reads import Reads

INVITATION_LIFETIME = timedelta(days=7)
BAD_INVITATION = "This invitation is invalid or has expired"
NOT_FOUND = "No such organization"


@dataclass(frozen=True)
class MembershipView:
    organization: Organization
    role: MemberRole


async def organization_slugs(reads: Reads, user_id: int) -> frozenset[str]:
    """The organisations ``user_id`` belongs to, read now: their private courses are the ones this user may see."""
    rows = await reads.rows(
        select(Organization.slug)
        .join(Membership, Membership.organization_id == Organization.id)
        .where(Membership.user_id == user_id)
    )
    return frozenset(slug for (slug,) in rows)


class RecentMemberships:
    """Each user's organisations as one web app read them in the last :data:`~practica.accounts.sessions.RECENT_FOR`.

    Like sessions, reloaded ahead through the caller's ``reads`` when those outlive the request; joining
    or leaving through this app (:func:`create_organization`, :func:`accept`, :func:`remove_member`)
    forgets the user here at once (and again at commit), other processes notice within ``RECENT_FOR``.
    """

    def __init__(self, ttl: timedelta = RECENT_FOR) -> None:
        self._slugs: RefreshAheadCache[int, frozenset[str]] = RefreshAheadCache(RECENT_AT_MOST, ttl.total_seconds())

    async def slugs(self, reads: Reads, user_id: int) -> set[str]:
        async def load() -> frozenset[str]:
            return await organization_slugs(reads, user_id)

        return set(await self._slugs.get_or_load(user_id, load, in_background=reads.lasting) or ())

    def forget(self, user_id: int) -> None:
        self._slugs.forget(user_id)

    async def close(self) -> None:
        await self._slugs.close()


async def memberships(session: AsyncSession, user_id: int) -> list[MembershipView]:
    rows = await session.execute(
        select(Organization, Membership.role)
        .join(Membership, Membership.organization_id == Organization.id)
        .where(Membership.user_id == user_id)
        .order_by(Organization.slug)
    )
    return [MembershipView(organization, MemberRole(role)) for organization, role in rows]


async def create_organization(
    session: AsyncSession, recent: RecentMemberships, creator: User, slug: str, name: str
) -> Organization:
    """A new organisation with ``creator`` as its admin; 409 when the slug is taken."""
    organization_id = await session.scalar(
        insert(Organization).values(slug=slug, name=name).on_conflict_do_nothing().returning(Organization.id)
    )
    if organization_id is None:
        raise AccountError(409, f"The organization {slug!r} already exists")
    session.add(Membership(organization_id=organization_id, user_id=creator.id, role=MemberRole.ADMIN.value))
    forget_now_and_at_commit(session, lambda: recent.forget(creator.id))
    await session.flush()
    return await session.get_one(Organization, organization_id)


async def role_in(session: AsyncSession, organization_id: int, user_id: int) -> MemberRole | None:
    role = await session.scalar(
        select(Membership.role).where(Membership.organization_id == organization_id, Membership.user_id == user_id)
    )
    return MemberRole(role) if role else None


async def visible_organization(session: AsyncSession, slug: str, viewer: User) -> Organization:
    """The organisation, for its members and platform admins; 404 for everyone else (existence stays private)."""
    organization = await session.scalar(select(Organization).where(Organization.slug == slug))
    if organization is None:
        raise AccountError(404, NOT_FOUND)
    if viewer.role != Role.ADMIN and await role_in(session, organization.id, viewer.id) is None:
        raise AccountError(404, NOT_FOUND)
    return organization


async def administered_organization(session: AsyncSession, slug: str, viewer: User) -> Organization:
    """The organisation, when ``viewer`` is one of its admins (or a platform admin); 403 for other members."""
    organization = await visible_organization(session, slug, viewer)
    if viewer.role != Role.ADMIN and await role_in(session, organization.id, viewer.id) is not MemberRole.ADMIN:
        raise AccountError(403, "Only the organization's admins may do this")
    return organization


async def members(session: AsyncSession, organization_id: int) -> list[tuple[User, MemberRole]]:
    rows = await session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization_id)
        .order_by(User.display_name, User.id)
    )
    return [(user, MemberRole(role)) for user, role in rows]


async def invite(
    session: AsyncSession,
    settings: PracticaSettings,
    organization: Organization,
    inviter: User,
    *,
    email: str | None,
    role: MemberRole = MemberRole.MEMBER,
) -> tuple[Invitation, str]:
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
    return invitation, messages.link(settings, f"/invitations/{token}")


async def pending_invitations(
    session: AsyncSession, organization: Organization
) -> list[tuple[Invitation, User | None]]:
    """Invitations that can still be accepted, newest first, with who made them.

    Not revoked, not expired, and, for one addressed to an email, not accepted yet (a link stays usable
    after each acceptance, until it expires or is revoked).
    """
    rows = await session.execute(
        select(Invitation, User)
        .outerjoin(User, User.id == Invitation.created_by)
        .where(
            Invitation.organization_id == organization.id,
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > func.now(),
            or_(Invitation.email.is_(None), Invitation.accepted_at.is_(None)),
        )
        .order_by(Invitation.id.desc())
    )
    return [(invitation, inviter) for invitation, inviter in rows]


async def revoke(session: AsyncSession, organization: Organization, invitation_id: int) -> None:
    invitation = await session.scalar(
        select(Invitation).where(Invitation.id == invitation_id, Invitation.organization_id == organization.id)
    )
    if invitation is None:
        raise AccountError(404, "No such invitation")
    invitation.revoked_at = invitation.revoked_at or datetime.now(UTC)


async def accept(session: AsyncSession, recent: RecentMemberships, token: str, user: User) -> MembershipView:
    """Join the invitation's organisation (already a member: nothing changes)."""
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
        raise AccountError(400, BAD_INVITATION)
    if invitation.email is not None and invitation.email != user.email:
        raise AccountError(403, "This invitation was sent to another email address")
    await session.execute(
        insert(Membership)
        .values(organization_id=invitation.organization_id, user_id=user.id, role=invitation.role)
        .on_conflict_do_nothing()
    )
    invitation.accepted_at = datetime.now(UTC)
    forget_now_and_at_commit(session, lambda: recent.forget(user.id))
    organization = await session.get_one(Organization, invitation.organization_id)
    role = await role_in(session, organization.id, user.id)
    assert role is not None
    return MembershipView(organization, role)


async def remove_member(
    session: AsyncSession, recent: RecentMemberships, organization: Organization, user_id: int
) -> None:
    """Remove a member; the last admin stays (409), so an organisation is never left without one."""
    # Lock the organisation: two admins removing each other at once must not both succeed.
    await session.execute(select(Organization.id).where(Organization.id == organization.id).with_for_update())
    membership = await session.get(Membership, (organization.id, user_id))
    if membership is None:
        raise AccountError(404, "No such member")
    forget_now_and_at_commit(session, lambda: recent.forget(user_id))
    if membership.role == MemberRole.ADMIN.value:
        admins = await session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.organization_id == organization.id, Membership.role == MemberRole.ADMIN.value)
        )
        if admins == 1:
            raise AccountError(409, "An organization keeps at least one admin")
    await session.delete(membership)
