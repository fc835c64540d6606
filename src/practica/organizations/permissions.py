"""Who may see or administer an organisation, as FastAPI dependencies (and the checks they run on a session).

::

    @router.get("/organizations/{slug}")
    async def organization(found: VisibleOrganization, ...) -> ...: ...      # 404 for non-members

A dependency reads the organisation and the user's standing in a short transaction of its own and
hands the route an :class:`~practica.organizations.queries.OrganizationRef`; for a route acting on one
member or invitation, the dependency takes that id from the path too (:class:`MemberIn`,
:class:`InvitationIn`), so that the OpenAPI schema lists the path's parameters in the path's order.
None of these routes needs the rows locked until its own transaction ends
(:func:`~practica.organizations.service.remove_member` locks the organisation itself).
:func:`visible_organization` and :func:`administered_organization` take a session, for callers with one
(``practica.learning.permissions``: an organisation's activity feed).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.dependencies import CurrentUser, transaction
from practica.accounts.models import MemberRole, Membership, Organization, Role, User
from practica.ids import UserId
from practica.organizations.errors import NOT_FOUND, OrganizationError
from practica.organizations.queries import OrganizationRef


async def role_in(session: AsyncSession, organization_id: int, user_id: UserId) -> MemberRole | None:
    role = await session.scalar(
        select(Membership.role).where(Membership.organization_id == organization_id, Membership.user_id == user_id)
    )
    return MemberRole(role) if role else None


async def visible_organization(session: AsyncSession, slug: str, viewer: User) -> Organization:
    """The organisation, for its members and platform admins; 404 for everyone else (existence stays private)."""
    organization = await session.scalar(select(Organization).where(Organization.slug == slug))
    if organization is None:
        raise OrganizationError(404, NOT_FOUND)
    if viewer.role != Role.ADMIN and await role_in(session, organization.id, viewer.id) is None:
        raise OrganizationError(404, NOT_FOUND)
    return organization


async def administered_organization(session: AsyncSession, slug: str, viewer: User) -> Organization:
    """The organisation, when ``viewer`` is one of its admins (or a platform admin); 403 for other members."""
    organization = await visible_organization(session, slug, viewer)
    if viewer.role != Role.ADMIN and await role_in(session, organization.id, viewer.id) is not MemberRole.ADMIN:
        raise OrganizationError(403, "Only the organization's admins may do this")
    return organization


async def visible(request: Request, slug: str, user: CurrentUser) -> OrganizationRef:
    async with transaction(request) as session:
        return OrganizationRef.of(await visible_organization(session, slug, user))


async def administered(request: Request, slug: str, user: CurrentUser) -> OrganizationRef:
    async with transaction(request) as session:
        return OrganizationRef.of(await administered_organization(session, slug, user))


@dataclass(frozen=True)
class MemberIn:
    """A member ``user`` may remove from an organisation (the service answers 404 when there is no such member)."""

    organization: OrganizationRef
    user_id: UserId


@dataclass(frozen=True)
class InvitationIn:
    """An invitation of an organisation ``user`` administers (the service answers 404 when there is none)."""

    organization: OrganizationRef
    invitation_id: int


async def removable_member(request: Request, slug: str, user_id: UserId, user: CurrentUser) -> MemberIn:
    """Any member may remove themself (leave); the organisation's admins remove others."""
    if user_id == user.id:
        return MemberIn(await visible(request, slug, user), user_id)
    return MemberIn(await administered(request, slug, user), user_id)


async def revocable_invitation(request: Request, slug: str, invitation_id: int, user: CurrentUser) -> InvitationIn:
    return InvitationIn(await administered(request, slug, user), invitation_id)


VisibleOrganization = Annotated[OrganizationRef, Depends(visible)]
AdministeredOrganization = Annotated[OrganizationRef, Depends(administered)]
RemovableMember = Annotated[MemberIn, Depends(removable_member)]
RevocableInvitation = Annotated[InvitationIn, Depends(revocable_invitation)]
