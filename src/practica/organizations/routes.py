"""``/api/organizations`` and ``/api/invitations``: organisations, members, invitations.

Who may see or administer an organisation is checked by the dependencies of
:mod:`practica.organizations.permissions`, before a route body runs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from practica.accounts.dependencies import Core, CurrentUser, settings_of, transaction
from practica.accounts.permissions import Author
from practica.accounts.queries import my_organization
from practica.accounts.responses import problems
from practica.accounts.schemas import MyOrganization
from practica.organizations import queries, service
from practica.organizations.permissions import (
    AdministeredOrganization,
    RemovableMember,
    RevocableInvitation,
    VisibleOrganization,
)
from practica.organizations.schemas import (
    InvitationCreate,
    InvitationCreated,
    InvitationInfo,
    OrganizationCreate,
    OrganizationDetail,
    OrganizationOut,
    PendingInvitation,
)
from practica.settings import PracticaSettings

router = APIRouter(prefix="/api", tags=["organizations"])


@router.post("/organizations", status_code=201, responses=problems(401, 403, 409))
async def create_organization(
    body: OrganizationCreate, user: Author, request: Request, services: Core
) -> OrganizationOut:
    """Authors and admins create organisations, and become their first admin."""
    async with transaction(request) as session:
        organization = await service.create_organization(session, services.memberships, user, body.slug, body.name)
    return OrganizationOut.model_validate(organization, from_attributes=True)


@router.get("/organizations/{slug}", responses=problems(401, 404))
async def organization(found: VisibleOrganization, request: Request) -> OrganizationDetail:
    """Members see the organisation and its members; to anyone else it does not exist."""
    async with transaction(request) as session:
        return await queries.organization_detail(session, found)


@router.post("/organizations/{slug}/invitations", status_code=201, responses=problems(401, 403, 404))
async def invite(
    body: InvitationCreate,
    organization: AdministeredOrganization,
    user: CurrentUser,
    request: Request,
    settings: Annotated[PracticaSettings, Depends(settings_of)],
) -> InvitationCreated:
    """With ``email``: mail the link there (single use, for that address). Without: a link for anyone."""
    async with transaction(request) as session:
        made = await service.invite(session, settings, organization, user, email=body.email, role=body.role)
    return InvitationCreated.model_validate(made, from_attributes=True)


@router.get("/organizations/{slug}/invitations", responses=problems(401, 403, 404))
async def pending_invitations(organization: AdministeredOrganization, request: Request) -> list[PendingInvitation]:
    """The invitations that can still be accepted, newest first (the organisation's admins only, as inviting)."""
    async with transaction(request) as session:
        return await queries.pending_invitations(session, organization.id)


@router.delete(
    "/organizations/{slug}/invitations/{invitation_id}",
    status_code=204,
    response_class=Response,
    responses=problems(401, 403, 404),
)
async def revoke_invitation(invitation: RevocableInvitation, request: Request) -> Response:
    async with transaction(request) as session:
        await service.revoke(session, invitation.organization.id, invitation.invitation_id)
    return Response(status_code=204)


@router.get("/invitations/{token}", responses=problems(401, 404))
async def invitation(token: str, user: CurrentUser, request: Request) -> InvitationInfo:
    """The organisation a usable invitation is for (signed-in users holding its link); 404 for any other token."""
    async with transaction(request) as session:
        return await queries.invitation_info(session, token, user)


@router.post("/invitations/{token}/accept", responses=problems(400, 401, 403))
async def accept_invitation(token: str, user: CurrentUser, request: Request, services: Core) -> MyOrganization:
    async with transaction(request) as session:
        organization_id = await service.accept(session, services.memberships, token, user)
        return await my_organization(session, user.id, organization_id)


@router.delete(
    "/organizations/{slug}/members/{user_id}",
    status_code=204,
    response_class=Response,
    responses=problems(401, 403, 404, 409),
)
async def remove_member(member: RemovableMember, request: Request, services: Core) -> Response:
    """Organisation admins remove members; any member may remove themself (leave)."""
    async with transaction(request) as session:
        await service.remove_member(session, services.memberships, member.organization.id, member.user_id)
    return Response(status_code=204)
