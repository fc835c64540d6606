"""``/api/organizations`` and ``/api/invitations``: organisations, members, invitations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from practica.accounts import organizations as orgs
from practica.accounts.dependencies import Core, CurrentUser, settings_of, transaction
from practica.accounts.models import MemberRole
from practica.accounts.permissions import Author, organization_to_remove_from
from practica.accounts.responses import problems
from practica.accounts.schemas import (
    InvitationCreate,
    InvitationCreated,
    Inviter,
    MemberOut,
    MyOrganization,
    OrganizationCreate,
    OrganizationDetail,
    OrganizationOut,
    PendingInvitation,
)
from practica.settings import PracticaSettings

router = APIRouter(tags=["organizations"])


@router.post("/organizations", status_code=201, responses=problems(401, 403, 409))
async def create_organization(
    body: OrganizationCreate, user: Author, request: Request, services: Core
) -> OrganizationOut:
    """Authors and admins create organisations, and become their first admin."""
    async with transaction(request) as session:
        organization = await orgs.create_organization(session, services.memberships, user, body.slug, body.name)
    return OrganizationOut.model_validate(organization, from_attributes=True)


@router.get("/organizations/{slug}", responses=problems(401, 404))
async def organization(slug: str, user: CurrentUser, request: Request) -> OrganizationDetail:
    """Members see the organisation and its members; to anyone else it does not exist."""
    async with transaction(request) as session:
        found = await orgs.visible_organization(session, slug, user)
        members = await orgs.members(session, found.id)
    return OrganizationDetail(
        slug=found.slug,
        name=found.name,
        members=[
            MemberOut(user_id=member.id, email=member.email, display_name=member.display_name, role=role)
            for member, role in members
        ],
    )


@router.post("/organizations/{slug}/invitations", status_code=201, responses=problems(401, 403, 404))
async def invite(
    slug: str,
    body: InvitationCreate,
    user: CurrentUser,
    request: Request,
    settings: Annotated[PracticaSettings, Depends(settings_of)],
) -> InvitationCreated:
    """With ``email``: mail the link there (single use, for that address). Without: a link for anyone."""
    async with transaction(request) as session:
        organization = await orgs.administered_organization(session, slug, user)
        invitation, link = await orgs.invite(session, settings, organization, user, email=body.email, role=body.role)
    return InvitationCreated(id=invitation.id, link=link, email=invitation.email, expires_at=invitation.expires_at)


@router.get("/organizations/{slug}/invitations", responses=problems(401, 403, 404))
async def pending_invitations(slug: str, user: CurrentUser, request: Request) -> list[PendingInvitation]:
    """The invitations that can still be accepted, newest first (the organisation's admins only, as inviting)."""
    async with transaction(request) as session:
        organization = await orgs.administered_organization(session, slug, user)
        pending = await orgs.pending_invitations(session, organization)
    return [
        PendingInvitation(
            id=invitation.id, email=invitation.email, role=MemberRole(invitation.role),
            created_at=invitation.created_at, expires_at=invitation.expires_at,
            inviter=None if inviter is None else Inviter(
                user_id=inviter.id, email=inviter.email, display_name=inviter.display_name
            ),
        )
        for invitation, inviter in pending
    ]  # fmt: skip


@router.delete(
    "/organizations/{slug}/invitations/{invitation_id}",
    status_code=204,
    response_class=Response,
    responses=problems(401, 403, 404),
)
async def revoke_invitation(slug: str, invitation_id: int, user: CurrentUser, request: Request) -> Response:
    async with transaction(request) as session:
        organization = await orgs.administered_organization(session, slug, user)
        await orgs.revoke(session, organization, invitation_id)
    return Response(status_code=204)


@router.post("/invitations/{token}/accept", responses=problems(400, 401, 403))
async def accept_invitation(token: str, user: CurrentUser, request: Request, services: Core) -> MyOrganization:
    async with transaction(request) as session:
        joined = await orgs.accept(session, services.memberships, token, user)
    return MyOrganization(slug=joined.organization.slug, name=joined.organization.name, role=joined.role)


@router.delete(
    "/organizations/{slug}/members/{user_id}",
    status_code=204,
    response_class=Response,
    responses=problems(401, 403, 404, 409),
)
async def remove_member(slug: str, user_id: int, user: CurrentUser, request: Request, services: Core) -> Response:
    """Organisation admins remove members; any member may remove themself (leave)."""
    async with transaction(request) as session:
        organization = await organization_to_remove_from(session, slug, user, user_id)
        await orgs.remove_member(session, services.memberships, organization, user_id)
    return Response(status_code=204)
