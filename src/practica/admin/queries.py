"""The admin pages' read models: users, organisations, jobs and learner environments, a page at a time.

Each list reads one row more than its page (:func:`practica.db.paging.page_of`). Environments' owners are
user ids (``"42"``) or an author's previews (``"preview:42"``), both shown with the user's email and name;
their pages go by last activity (newest first), then id: an environment active meanwhile moves to the
top, so a later page may miss it or show it twice, as any live list would.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from procrastinate.manager import JobManager
from sqlalchemy import Select, case, cast, false, func, null, select, true, tuple_
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from practica.accounts.models import MemberRole, Membership, Organization, User
from practica.admin.errors import AdminError
from practica.admin.jobs import FINAL_EVENTS, events_table, job_manager, jobs_table, stalled_ids
from practica.admin.schemas import (
    AdminEnvironment,
    AdminOrganization,
    AdminUser,
    DayMetrics,
    EnvironmentPage,
    EnvironmentStatus,
    JobPage,
    JobStatus,
    JobView,
    LessonMetrics,
    MetricsView,
    OrganizationPage,
    Owner,
    QueueCounts,
    QueueFigure,
    SystemFigures,
    UserPage,
)
from practica.db.paging import page_of
from practica.environments.models import EnvironmentState, LearnerEnvironment
from practica.ids import UserId
from practica.monitoring import business
from practica.monitoring import queries as monitoring
from practica.settings import PracticaSettings

PREVIEW = "preview:"
_LIVE = (EnvironmentState.STARTING, EnvironmentState.RUNNING)
Cursor = tuple[datetime, str]
_SEPARATOR = "|"


def _admin_users() -> Select[Any]:
    """Each user with the slugs of their organisations (sorted), as :class:`AdminUser`'s columns."""
    slugs = (
        select(Organization.slug)
        .join(Membership, Membership.organization_id == Organization.id)
        .where(Membership.user_id == User.id)
        .order_by(Organization.slug)
    )
    return select(
        User.id, User.email, User.display_name, User.role, User.confirmed_at.is_not(None).label("confirmed"),
        func.array(slugs.scalar_subquery()).label("organizations"), User.created_at,
    )  # fmt: skip


async def user_page(session: AsyncSession, *, after: int, limit: int) -> UserPage:
    """Users by id, ``limit`` at a time after the id ``after``."""
    query = _admin_users().where(User.id > after).order_by(User.id).limit(limit + 1)
    rows = [AdminUser.model_validate(row, from_attributes=True) for row in await session.execute(query)]
    items, next_after = page_of(rows, limit, lambda user: user.id)
    return UserPage(items=items, next_after=next_after)


async def admin_user(session: AsyncSession, user_id: UserId) -> AdminUser:
    row = (await session.execute(_admin_users().where(User.id == user_id))).one_or_none()
    if row is None:
        raise AdminError(404, f"no user {user_id}")
    return AdminUser.model_validate(row, from_attributes=True)


async def organization_page(session: AsyncSession, *, after: str | None, limit: int) -> OrganizationPage:
    """Organisations by slug, ``limit`` at a time after the slug ``after``, with their member and admin counts."""
    members = func.count(Membership.user_id).label("members")
    admins = func.count(case((Membership.role == MemberRole.ADMIN.value, 1))).label("admins")
    columns = (Organization.id, Organization.slug, Organization.name, Organization.created_at, members, admins)
    query = (
        select(*columns)
        .outerjoin(Membership, Membership.organization_id == Organization.id)
        .group_by(Organization.id)
        .order_by(Organization.slug)
        .limit(limit + 1)
    )
    if after is not None:
        query = query.where(Organization.slug > after)
    rows = [AdminOrganization.model_validate(row, from_attributes=True) for row in await session.execute(query)]
    items, next_after = page_of(rows, limit, lambda organization: organization.slug)
    return OrganizationPage(items=items, next_after=next_after)


def _times() -> Any:
    events = events_table.c
    return (
        select(
            func.min(events.at).filter(events.type == "deferred").label("queued_at"),
            func.max(events.at).filter(events.type == "started").label("started_at"),
            func.max(events.at).filter(events.type.in_(FINAL_EVENTS)).label("finished_at"),
        )
        .where(events.job_id == jobs_table.c.id)
        .lateral("times")
    )


def _view_columns(times: Any) -> tuple[Any, ...]:
    """A :class:`JobView`'s fields as the query's columns (``finished_at`` unset while the job is todo or doing)."""
    jobs = jobs_table.c
    finished_at = case((jobs.status.in_(("todo", "doing")), null()), else_=times.c.finished_at)
    return (
        jobs.id, jobs.queue_name.label("queue"), jobs.task_name.label("task"), jobs.status, jobs.attempts,
        jobs.priority, jobs.lock, func.coalesce(jobs.args, cast({}, JSONB)).label("args"), jobs.scheduled_at,
        times.c.queued_at, times.c.started_at, finished_at.label("finished_at"),
        false().label("stalled"),
    )  # fmt: skip


async def list_jobs(
    session: AsyncSession,
    *,
    status: JobStatus | None = None,
    queue: str | None = None,
    task: str | None = None,
    job_id: int | None = None,
    after: int | None = None,
    limit: int = 50,
) -> list[JobView]:
    """Newest first; ``after`` is the last id of the previous page (``stalled`` left unset: :func:`mark_stalled`)."""
    times = _times()
    query = (
        select(*_view_columns(times))
        .select_from(jobs_table.outerjoin(times, true()))
        .order_by(jobs_table.c.id.desc())
        .limit(limit)
    )
    filters = {
        jobs_table.c.status: status, jobs_table.c.queue_name: queue, jobs_table.c.task_name: task,
        jobs_table.c.id: job_id,
    }  # fmt: skip
    for where, value in filters.items():
        if value is not None:
            query = query.where(where == value)
    if after is not None:
        query = query.where(jobs_table.c.id < after)
    return [JobView.model_validate(row, from_attributes=True) for row in await session.execute(query)]


async def job(session: AsyncSession, job_id: int) -> JobView:
    """One job, which the caller knows exists (procrastinate keeps jobs: an admin action leaves it there)."""
    (found,) = await list_jobs(session, job_id=job_id, limit=1)
    return found


async def mark_stalled(manager: JobManager, jobs: list[JobView], stalled_after_s: float) -> list[JobView]:
    """``jobs`` with ``stalled`` set."""
    stalled = await stalled_ids(manager, stalled_after_s)
    return [job.model_copy(update={"stalled": job.id in stalled}) for job in jobs]


async def job_page(
    session: AsyncSession,
    settings: PracticaSettings,
    *,
    status: JobStatus | None,
    queue: str | None,
    task: str | None,
    after: int | None,
    limit: int,
) -> JobPage:
    """Newest first, each ``doing`` job marked when it is stalled (asking procrastinate only when one is)."""
    rows = await list_jobs(session, status=status, queue=queue, task=task, after=after, limit=limit + 1)
    items, next_after = page_of(rows, limit, lambda job: job.id)
    if any(job.status == "doing" for job in items):
        async with job_manager(settings.resolved_database_url()) as manager:
            items = await mark_stalled(manager, items, settings.practica_job_stalled_after)
    return JobPage(items=items, next_after=next_after)


async def queue_counts(settings: PracticaSettings) -> list[QueueCounts]:
    statuses = ("todo", "doing", "succeeded", "failed", "cancelled", "aborted")
    async with job_manager(settings.resolved_database_url()) as manager:
        return [
            QueueCounts(queue=row["name"], total=row["jobs_count"], **{status: row[status] for status in statuses})
            for row in await manager.list_queues_async()
        ]


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


async def environment_page(
    session: AsyncSession, *, status: EnvironmentStatus | None, after: str | None, limit: int
) -> EnvironmentPage:
    """Most recently active first; ``after`` a page's ``next_after`` (422 for anything else)."""
    cursor = parse_cursor(after) if after is not None else None
    rows = await list_environments(session, status=status, limit=limit + 1, after=cursor)
    items, next_after = page_of(rows, limit, cursor_of)
    return EnvironmentPage(items=items, next_after=next_after)


async def environment(session: AsyncSession, env_id: str) -> AdminEnvironment | None:
    found = await list_environments(session, status=None, limit=1, env_id=env_id)
    return found[0] if found else None


async def metrics_view(session: AsyncSession, days: int) -> MetricsView:
    """The Metrics page's figures: :mod:`practica.monitoring`'s reads, in one transaction's snapshot."""
    conn = await session.connection()
    daily = await business.daily_figures(conn, days)
    lessons = await business.lesson_figures(conn, days)
    queues = await monitoring.queue_figures(conn)
    waits = await monitoring.check_waits(conn)
    return MetricsView(
        days=days,
        daily=[DayMetrics.model_validate(day, from_attributes=True) for day in daily],
        lessons=[
            LessonMetrics(**asdict(lesson), pass_rate=lesson.passed / lesson.checks if lesson.checks else 0.0)
            for lesson in lessons
        ],
        system=SystemFigures(
            queues=[QueueFigure.model_validate(queue, from_attributes=True) for queue in queues],
            checks_finished_recent=waits.finished,
            check_wait_p50_s=waits.p50_seconds,
            check_wait_p95_s=waits.p95_seconds,
        ),
    )
