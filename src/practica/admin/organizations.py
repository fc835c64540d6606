"""Every organisation on the platform, for its admins: who they are and how many members they have."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.models import MemberRole, Membership, Organization
from practica.db.paging import Page


class AdminOrganization(BaseModel):
    id: int
    slug: str
    name: str
    members: int
    admins: int
    created_at: datetime


class OrganizationPage(Page[AdminOrganization, str]):
    """Organisations by slug; ``next_after`` is the last one's slug."""


async def list_organizations(session: AsyncSession, *, after: str | None, limit: int) -> list[AdminOrganization]:
    """By slug, ``limit`` at a time after the slug ``after``."""
    members = func.count(Membership.user_id).label("members")
    admins = func.count(case((Membership.role == MemberRole.ADMIN.value, 1))).label("admins")
    columns = (Organization.id, Organization.slug, Organization.name, Organization.created_at, members, admins)
    query = (
        select(*columns)
        .outerjoin(Membership, Membership.organization_id == Organization.id)
        .group_by(Organization.id)
        .order_by(Organization.slug)
        .limit(limit)
    )
    if after is not None:
        query = query.where(Organization.slug > after)
    return [AdminOrganization.model_validate(row, from_attributes=True) for row in await session.execute(query)]
