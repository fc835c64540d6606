"""Who may use the admin pages' API: the platform's admins (401 for nobody signed in, 403 for everyone else).

Every route of :mod:`practica.admin.routes` carries :data:`ADMINS_ONLY` on its router; nothing in a route
body checks a role.
"""

from __future__ import annotations

from fastapi import Depends
from fastapi.params import Depends as DependsParam

from practica.accounts.permissions import require_admin

ADMINS_ONLY: list[DependsParam] = [Depends(require_admin)]
