"""Accounts and organisations: sign-up with email confirmation, sessions, CSRF, rate limits, roles.

One file per concern: ``models`` (tables), ``service`` (sign-up, sign-in,
resets), ``organizations`` (members, invitations, :func:`organization_slugs`),
``sessions``, ``csrf``, ``ratelimit``, ``passwords``, ``mail`` and ``tasks``
(mail queued in the caller's transaction, sent by a job), ``routes`` (the
HTTP API), ``dependencies`` (what other routes use: ``current_user``,
``optional_user``, ``require_role``, ``csrf_protect``) and ``cli``
(``practica user …``).
"""

from __future__ import annotations

from practica.accounts.models import MemberRole, Role, User
from practica.accounts.organizations import organization_slugs

__all__ = ["MemberRole", "Role", "User", "organization_slugs"]
