"""``/api/admin/*``: the platform's admins manage users and watch and steer the machinery.

Users: list them, change a role. Organisations: all of them, with their member
counts (one organisation's members and invitations are ``practica.organizations``').
Jobs: queued, running, failed (retry), stalled (retry or mark failed), not yet
started (cancel), and counts per queue, as a Sidekiq web UI shows them.
Environments: which run, how long idle, stop one. Admins only (403 for
everyone else: :data:`~practica.admin.permissions.ADMINS_ONLY` on the router).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from practica.accounts import service as accounts
from practica.accounts.dependencies import Core, CurrentUser, csrf_protect, settings_of, transaction
from practica.accounts.responses import problems
from practica.accounts.schemas import Problem
from practica.admin import mail, queries, service
from practica.admin.permissions import ADMINS_ONLY
from practica.admin.schemas import (
    AdminEnvironment,
    AdminUser,
    EnvironmentPage,
    EnvironmentStatus,
    JobPage,
    JobStatus,
    JobView,
    MetricsView,
    OrganizationPage,
    QueueCounts,
    RoleChange,
    UserMail,
    UserPage,
)
from practica.ids import UserId
from servicekit.params import DbId, NulFreeStr

router = APIRouter(
    prefix="/api/admin",
    tags=["admin"],
    dependencies=[Depends(csrf_protect), *ADMINS_ONLY],
    responses={401: {"model": Problem}, 403: {"model": Problem}},
)
Limit = Annotated[int, Query(ge=1, le=500)]
REFUSALS = problems(404, 409)


@router.get("/users")
async def list_users(
    request: Request,
    after: Annotated[int, Query(ge=0, description="Only users with a larger id (the last id of a page).")] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> UserPage:
    """Users by id, ``limit`` at a time."""
    async with transaction(request) as session:
        return await queries.user_page(session, after=after, limit=limit)


@router.patch("/users/{user_id}", responses=REFUSALS)
async def change_role(
    user_id: UserId, body: RoleChange, request: Request, services: Core, admin: CurrentUser
) -> AdminUser:
    """Give a user another role; an admin's own role is refused (409: another admin changes it)."""
    async with transaction(request) as session:
        await accounts.change_role(session, services.recent_sessions, user_id, body.role, changed_by=admin.id)
        return await queries.admin_user(session, user_id)


@router.get("/users/{user_id}", responses=problems(404))
async def get_user(user_id: UserId, request: Request) -> AdminUser:
    """One user, as the list shows them."""
    async with transaction(request) as session:
        return await queries.admin_user(session, user_id)


@router.get("/users/{user_id}/mail", responses=problems(404))
async def user_mail(user_id: UserId, request: Request) -> UserMail:
    """The user's recent mail, newest first, with each one's delivery state and last SMTP answer, and whether
    their address is suppressed (it hard-bounced or complained: no mail is sent to it)."""
    async with transaction(request) as session:
        return await mail.user_mail(session, user_id)


@router.delete("/users/{user_id}/mail/suppression", responses=problems(404))
async def lift_mail_suppression(user_id: UserId, request: Request, admin: CurrentUser) -> UserMail:
    """Send mail to the user's address again (a mail already suppressed is not sent again)."""
    async with transaction(request) as session:
        return await mail.lift(session, user_id, lifted_by=admin.id)


@router.get("/jobs")
async def jobs(
    request: Request,
    status: JobStatus | None = None,
    queue: NulFreeStr | None = None,
    task: NulFreeStr | None = None,
    after: Annotated[DbId | None, Query(description="Only jobs with a smaller id (the last id of a page).")] = None,
    limit: Limit = 50,
) -> JobPage:
    """Newest first, with when each job was queued, started and finished, and whether a doing one is stalled."""
    async with transaction(request) as session:
        return await queries.job_page(
            session, settings_of(request), status=status, queue=queue, task=task, after=after, limit=limit
        )


@router.get("/organizations")
async def organizations(
    request: Request,
    after: Annotated[
        NulFreeStr | None, Query(description="Only organisations after this slug (a page's last).")
    ] = None,
    limit: Limit = 100,
) -> OrganizationPage:
    """Every organisation, by slug, with its number of members and admins (open one at /organizations/SLUG)."""
    async with transaction(request) as session:
        return await queries.organization_page(session, after=after, limit=limit)


@router.get("/metrics", responses={422: {"model": Problem}})
async def metrics(
    request: Request,
    days: Annotated[int, Query(ge=1, le=365, description="How many UTC days, up to today (included).")] = 30,
) -> MetricsView:
    """Business figures per day (sign-ups, active learners, checks, completions, environment hours), the most
    checked lessons with their pass rates, and the system's queues and check waits now."""
    async with transaction(request) as session:
        return await queries.metrics_view(session, days)


@router.get("/jobs/summary")
async def jobs_summary(request: Request) -> list[QueueCounts]:
    """How many jobs each queue holds, by status."""
    return await queries.queue_counts(settings_of(request))


async def _job(request: Request, job_id: int) -> JobView:
    async with transaction(request) as session:
        return await queries.job(session, job_id)


@router.post("/jobs/{job_id}/retry", responses=REFUSALS)
async def retry_job(request: Request, job_id: DbId) -> JobView:
    """Queue a failed job, or a stalled one (doing, its worker gone), again, to run now."""
    await service.retry(settings_of(request), job_id)
    return await _job(request, job_id)


@router.post("/jobs/{job_id}/fail", responses=REFUSALS)
async def fail_job(request: Request, job_id: DbId) -> JobView:
    """Mark a stalled job (doing, its worker gone) failed; a job whose worker is alive is refused (409)."""
    await service.mark_failed(settings_of(request), job_id)
    return await _job(request, job_id)


@router.post("/jobs/{job_id}/cancel", responses=REFUSALS)
async def cancel_job(request: Request, job_id: DbId) -> JobView:
    """Cancel a job that has not started yet (status todo)."""
    await service.cancel(settings_of(request), job_id)
    return await _job(request, job_id)


@router.get("/environments", responses={422: {"model": Problem}})
async def environments(
    request: Request,
    status: EnvironmentStatus | None = None,
    after: Annotated[NulFreeStr | None, Query(description="A page's `next_after`: the page after it.")] = None,
    limit: Limit = 100,
) -> EnvironmentPage:
    """Most recently active first; without ``status``, every environment not removed."""
    async with transaction(request) as session:
        return await queries.environment_page(session, status=status, after=after, limit=limit)


@router.post("/environments/{env_id}/stop", responses=REFUSALS)
async def stop_environment(request: Request, env_id: NulFreeStr) -> AdminEnvironment:
    """Stop a starting or running environment (its files are kept; the learner's next visit resumes it)."""
    async with transaction(request) as session:
        return await service.stop_environment(session, env_id)
