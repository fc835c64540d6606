"""Who may do what in the accounts' API, as FastAPI dependencies (and the one check that needs the route's rows).

::

    @router.post("/organizations")
    async def create(user: Author, ...) -> ...: ...                   # 403 for learners

    router = APIRouter(dependencies=[Depends(require_role(Role.ADMIN))])

Roles are checked here; a user's standing in one organisation needs the route's transaction and is
checked by :func:`~practica.accounts.organizations.visible_organization` (members and platform admins,
404 for anyone else) and :func:`~practica.accounts.organizations.administered_organization` (its
admins, 403 for other members), which :func:`organization_to_remove_from` combines.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.dependencies import CurrentUser
from practica.accounts.errors import ROLE_REFUSED, AccountError
from practica.accounts.models import Organization, Role, User
from practica.accounts.organizations import administered_organization, visible_organization


def require_role(*roles: Role) -> Callable[[User], Awaitable[User]]:
    """A dependency giving the signed-in user when their role is one of ``roles``; 403 otherwise."""
    allowed = {role.value for role in roles}

    async def with_role(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise AccountError(403, ROLE_REFUSED)
        return user

    return with_role


require_admin = require_role(Role.ADMIN)
require_author = require_role(Role.AUTHOR, Role.ADMIN)
Admin = Annotated[User, Depends(require_admin)]
Author = Annotated[User, Depends(require_author)]  # authors and admins


async def organization_to_remove_from(session: AsyncSession, slug: str, user: User, member_id: int) -> Organization:
    """The organisation ``user`` may remove ``member_id`` from: any member may leave; its admins remove others."""
    if member_id == user.id:
        return await visible_organization(session, slug, user)
    return await administered_organization(session, slug, user)
