"""Who may do what by platform role, as FastAPI dependencies.

::

    @router.post("/organizations")
    async def create(user: Author, ...) -> ...: ...                   # 403 for learners

    router = APIRouter(dependencies=[Depends(require_role(Role.ADMIN))])

A user's standing in one organisation is :mod:`practica.organizations.permissions`'.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends

from practica.accounts.dependencies import CurrentUser
from practica.accounts.errors import ROLE_REFUSED, AccountError
from practica.accounts.models import Role, User


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
