"""Learner environments for admins: which run, for whom, how long idle; stopping one.

Stopping goes through :func:`practica.environments.service.request_stop` like any
web code: the row turns ``stopping`` and the stop job is queued with it.
Owners are user ids (``"42"``) or an author's previews (``"preview:42"``);
both are shown with the user's email and name. Pages go by last activity
(newest first), then id: an environment active meanwhile moves to the top,
so a later page may miss it or show it twice, as any live list would.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.models import User
from practica.admin.errors import AdminError
from practica.db.paging import Page
from practica.environments.models import EnvironmentState, LearnerEnvironment
from practica.environments.service import request_stop

PREVIEW = "preview:"
EnvironmentStatus = Literal["starting", "running", "stopping", "stopped", "failed", "removed"]
_LIVE = (EnvironmentState.STARTING, EnvironmentState.RUNNING)


class Owner(BaseModel):
    key: str
    user_id: int | None
    email: str | None
    display_name: str | None
    preview: bool  # an author's preview of a draft


class AdminEnvironment(BaseModel):
    id: str
    owner: Owner
    lesson: str  # COURSE/LESSON
    status: EnvironmentStatus
    runtime: str
    host: str
    error: str | None
    created_at: datetime
    started_at: datetime | None
    last_active_at: datetime
    stopped_at: datetime | None
    idle_s: float | None  # since the last activity, while starting or running


class EnvironmentPage(Page[AdminEnvironment, str]):
    """Most recently active first; ``next_after`` is opaque (the last one's activity time and id)."""


Cursor = tuple[datetime, str]
_SEPARATOR = "|"


def cursor_of(environment: AdminEnvironment) -> str:
    return f"{environment.last_active_at.isoformat()}{_SEPARATOR}{environment.id}"


def parse_cursor(value: str) -> Cursor:
    """A page's ``next_after`` read back; 422 (:class:`AdminError`) for anything else."""
    moment, separator, env_id = value.partition(_SEPARATOR)
    when = _aware_time(moment)
    if not separator or not env_id or when is None:
        raise AdminError(422, "after: not a cursor of this list (pass a page's next_after)")
    return when, env_id


def _aware_time(text: str) -> datetime | None:
    """``text`` as an ISO time with its time zone, or None."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def user_id_of(owner_key: str) -> int | None:
    key = owner_key.removeprefix(PREVIEW)
    return int(key) if key.isdigit() else None


async def _users(session: AsyncSession, keys: set[str]) -> dict[int, User]:
    ids = {user_id for key in keys if (user_id := user_id_of(key)) is not None}
    if not ids:
        return {}
    return {user.id: user for user in await session.scalars(select(User).where(User.id.in_(ids)))}


def _owner(key: str, users: dict[int, User]) -> Owner:
    user_id = user_id_of(key)
    user = users.get(user_id) if user_id is not None else None
    return Owner(
        key=key, user_id=user_id, email=user.email if user else None,
        display_name=user.display_name if user else None, preview=key.startswith(PREVIEW),
    )  # fmt: skip


async def list_environments(
    session: AsyncSession,
    *,
    status: EnvironmentStatus | None,
    limit: int,
    env_id: str | None = None,
    after: Cursor | None = None,
) -> list[AdminEnvironment]:
    """Most recently active first (then by id), after the cursor ``after``; without ``status``, all not removed."""
    idle = func.extract("epoch", func.now() - LearnerEnvironment.last_active_at)
    order = (LearnerEnvironment.last_active_at.desc(), LearnerEnvironment.id.desc())
    query = select(LearnerEnvironment, idle).order_by(*order).limit(limit)
    if after is not None:
        query = query.where(tuple_(LearnerEnvironment.last_active_at, LearnerEnvironment.id) < tuple_(*after))
    if env_id is not None:
        query = query.where(LearnerEnvironment.id == env_id)
    elif status is not None:
        query = query.where(LearnerEnvironment.status == status)
    else:
        query = query.where(LearnerEnvironment.status != EnvironmentState.REMOVED)
    rows = (await session.execute(query)).all()
    users = await _users(session, {row.owner_key for row, _ in rows})
    return [_view(row, float(seconds), users) for row, seconds in rows]


def _view(row: LearnerEnvironment, idle_s: float, users: dict[int, User]) -> AdminEnvironment:
    return AdminEnvironment(
        id=row.id, owner=_owner(row.owner_key, users), lesson=row.lesson_key, status=row.status,
        runtime=row.runtime, host=row.host, error=row.error, created_at=row.created_at, started_at=row.started_at,
        last_active_at=row.last_active_at, stopped_at=row.stopped_at,
        idle_s=round(idle_s, 1) if row.status in _LIVE else None,
    )  # fmt: skip


async def stop_environment(session: AsyncSession, env_id: str) -> AdminEnvironment:
    """Ask to stop a starting or running environment (files kept): 404 for a missing one, 409 for one not live."""
    found = await list_environments(session, status=None, limit=1, env_id=env_id)
    if not found:
        raise AdminError(404, f"no environment {env_id}")
    if not await request_stop(session, env_id):
        raise AdminError(409, f"environment {env_id} is {found[0].status}: only a running or starting one stops")
    (stopping,) = await list_environments(session, status=None, limit=1, env_id=env_id)
    return stopping
