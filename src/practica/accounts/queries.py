"""The accounts' read models: what the signed-in user reads about their own account."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.models import Membership, Organization, User
from practica.accounts.schemas import Account, Me, MyOrganization
from practica.ids import UserId


def _memberships(user_id: UserId) -> Select[str, str, str]:
    return (
        select(Organization.slug, Organization.name, Membership.role)
        .join(Membership, Membership.organization_id == Organization.id)
        .where(Membership.user_id == user_id)
        .order_by(Organization.slug)
    )


async def my_organizations(session: AsyncSession, user_id: UserId) -> list[MyOrganization]:
    """The organisations ``user_id`` belongs to, by slug, with their role in each."""
    rows = await session.execute(_memberships(user_id))
    return [MyOrganization.model_validate(row, from_attributes=True) for row in rows]


async def my_organization(session: AsyncSession, user_id: UserId, organization_id: int) -> MyOrganization:
    """One organisation ``user_id`` belongs to (the caller knows they do), with their role in it."""
    row = (await session.execute(_memberships(user_id).where(Organization.id == organization_id))).one()
    return MyOrganization.model_validate(row, from_attributes=True)


async def me_of(session: AsyncSession, user: User) -> Me:
    """``user``'s account and organisations, as ``/api/me`` and a sign-in answer them."""
    account = Account.model_validate(user, from_attributes=True)
    return Me(**dict(account), organizations=await my_organizations(session, user.id))
