"""Accounts: sign-up with email confirmation, sessions, CSRF, rate limits, roles, mail.

The domain's files: ``models`` (the tables, the organisations' too),
``schemas``, ``routes`` (``/api/auth/*``, ``/api/me``), ``service`` (sign-up,
sign-in, resets, roles), ``queries`` (``Me``), ``permissions``
(``require_role``, ``Admin``, ``Author``), ``dependencies`` (what every
route uses: ``current_user``, ``optional_user``, ``transaction``, the
services), ``errors``, ``tasks`` (mail queued in the caller's transaction,
sent by a job) and ``cli`` (``practica user …``); and modules named for one
concept: ``sessions``, ``csrf``, ``ratelimit``, ``passwords``, ``mail``,
``memberships`` (who belongs where: :func:`organization_slugs`), ``core``
(the accounts' part of the app's services).
"""

from __future__ import annotations

from practica.accounts.memberships import organization_slugs
from practica.accounts.models import MemberRole, Role, User

__all__ = ["MemberRole", "Role", "User", "organization_slugs"]
