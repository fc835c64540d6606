"""The organisations' read models: one organisation as its permission checks found it, its members, its invitations."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, null, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.models import Invitation, Membership, Organization, User
from practica.accounts.tokens import token_hash
from practica.organizations.errors import BAD_INVITATION, OrganizationError
from practica.organizations.schemas import InvitationInfo, MemberOut, OrganizationDetail, PendingInvitation


@dataclass(frozen=True)
class OrganizationRef:
    """Read model: an organisation a permission check let through (``practica.organizations.permissions``)."""

    id: int
    slug: str
    name: str

    @classmethod
    def of(cls, organization: Organization) -> OrganizationRef:
        return cls(organization.id, organization.slug, organization.name)


async def members(session: AsyncSession, organization_id: int) -> list[MemberOut]:
    """The organisation's members by display name (then id), with their role."""
    rows = await session.execute(
        select(User.id.label("user_id"), User.email, User.display_name, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == organization_id)
        .order_by(User.display_name, User.id)
    )
    return [MemberOut.model_validate(row, from_attributes=True) for row in rows]


async def organization_detail(session: AsyncSession, organization: OrganizationRef) -> OrganizationDetail:
    return OrganizationDetail(
        slug=organization.slug, name=organization.name, members=await members(session, organization.id)
    )


async def pending_invitations(session: AsyncSession, organization_id: int) -> list[PendingInvitation]:
    """Invitations that can still be accepted, newest first, with who made them (null: that account is gone).

    Not revoked, not expired, and, for one addressed to an email, not accepted yet (a link stays usable
    after each acceptance, until it expires or is revoked).
    """
    inviter = case(
        (User.id.is_(None), null()),
        else_=func.json_build_object("user_id", User.id, "email", User.email, "display_name", User.display_name),
    )
    rows = await session.execute(
        select(
            Invitation.id,
            Invitation.email,
            Invitation.role,
            Invitation.created_at,
            Invitation.expires_at,
            inviter.label("inviter"),
        )
        .outerjoin(User, User.id == Invitation.created_by)
        .where(
            Invitation.organization_id == organization_id,
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > func.now(),
            or_(Invitation.email.is_(None), Invitation.accepted_at.is_(None)),
        )
        .order_by(Invitation.id.desc())
    )
    return [PendingInvitation.model_validate(row, from_attributes=True) for row in rows]


async def invitation_info(session: AsyncSession, token: str, user: User) -> InvitationInfo:
    """The organisation a usable invitation is for, and who made it; 404 for any other token, whatever the reason.

    Usable as accepting it would be: not revoked, not expired, and, for one mailed to an address, not accepted
    yet. Revoked, expired, used and unknown tokens answer alike, so the answer tells nothing of them.
    """
    row = (
        await session.execute(
            select(
                Organization.name.label("organization"),
                Invitation.role,
                User.display_name.label("inviter"),
                Invitation.expires_at,
                (Invitation.email.is_not(None) & (Invitation.email != user.email)).label("for_another_address"),
            )
            .join(Organization, Organization.id == Invitation.organization_id)
            .outerjoin(User, User.id == Invitation.created_by)
            .where(
                Invitation.token_hash == token_hash(token),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > func.now(),
                or_(Invitation.email.is_(None), Invitation.accepted_at.is_(None)),
            )
        )
    ).one_or_none()
    if row is None:
        raise OrganizationError(404, BAD_INVITATION)
    return InvitationInfo.model_validate(row, from_attributes=True)
