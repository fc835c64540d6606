"""``/api/admin/users``: platform admins list accounts and change roles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts import service
from practica.accounts.dependencies import Core, transaction
from practica.accounts.models import Membership, Organization, Role, User
from practica.accounts.permissions import require_admin
from practica.accounts.responses import problems
from practica.accounts.schemas import AdminUser, RoleChange, UserPage
from practica.db.paging import page_of

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])


async def admin_users(session: AsyncSession, users: list[User]) -> list[AdminUser]:
    slugs: dict[int, list[str]] = {user.id: [] for user in users}
    rows = await session.execute(
        select(Membership.user_id, Organization.slug)
        .join(Organization, Organization.id == Membership.organization_id)
        .where(Membership.user_id.in_(slugs))
        .order_by(Organization.slug)
    )
    for user_id, slug in rows:
        slugs[user_id].append(slug)
    return [
        AdminUser(
            id=user.id,
            email=user.email,
            display_name=user.display_name,
            role=Role(user.role),
            confirmed=user.confirmed,
            organizations=slugs[user.id],
            created_at=user.created_at,
        )
        for user in users
    ]


@router.get("/users", responses=problems(401, 403))
async def list_users(
    request: Request,
    after: Annotated[int, Query(ge=0, description="Only users with a larger id (the last id of a page).")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> UserPage:
    """Users by id, ``limit`` at a time."""
    async with transaction(request) as session:
        rows = list(await session.scalars(select(User).where(User.id > after).order_by(User.id).limit(limit + 1)))
        users, next_after = page_of(rows, limit, lambda user: user.id)
        return UserPage(items=await admin_users(session, users), next_after=next_after)


@router.patch("/users/{user_id}", responses=problems(401, 403, 404, 409))
async def change_role(user_id: int, body: RoleChange, request: Request, services: Core) -> AdminUser:
    async with transaction(request) as session:
        user = await service.change_role(session, services.recent_sessions, user_id, body.role)
        return (await admin_users(session, [user]))[0]
