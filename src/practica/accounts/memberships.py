"""Who belongs to which organisation, as the catalogue asks it: whose private courses a user may see.

The organisations themselves (members, invitations, their routes) are the
:mod:`practica.organizations` domain, a layer above; their tables stay in
:mod:`practica.accounts.models`, because :class:`RecentMemberships` is part of
:class:`~practica.accounts.core.CoreServices`, which the accounts layer builds.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from practica.accounts.models import Membership, Organization
from practica.accounts.sessions import RECENT_AT_MOST, RECENT_FOR
from practica.ids import UserId
from servicekit.caching import RefreshAheadCache
from servicekit.reads import Reads


async def organization_slugs(reads: Reads, user_id: UserId) -> frozenset[str]:
    """The organisations ``user_id`` belongs to, read now: their private courses are the ones this user may see."""
    rows = await reads.rows(
        select(Organization.slug)
        .join(Membership, Membership.organization_id == Organization.id)
        .where(Membership.user_id == user_id)
    )
    return frozenset(slug for (slug,) in rows)


class RecentMemberships:
    """Each user's organisations as one web app read them in the last :data:`~practica.accounts.sessions.RECENT_FOR`.

    Like sessions, reloaded ahead through the caller's ``reads`` when those outlive the request; joining
    or leaving through this app (:mod:`practica.organizations.service`: creating an organisation, accepting
    an invitation, removing a member) forgets the user here at once (and again at commit), other processes
    notice within ``RECENT_FOR``.
    """

    def __init__(self, ttl: timedelta = RECENT_FOR) -> None:
        self._slugs: RefreshAheadCache[int, frozenset[str]] = RefreshAheadCache(RECENT_AT_MOST, ttl.total_seconds())

    async def slugs(self, reads: Reads, user_id: UserId) -> set[str]:
        async def load() -> frozenset[str]:
            return await organization_slugs(reads, user_id)

        return set(await self._slugs.get_or_load(user_id, load, in_background=reads.lasting) or ())

    def forget(self, user_id: UserId) -> None:
        self._slugs.forget(user_id)

    async def close(self) -> None:
        await self._slugs.close()
