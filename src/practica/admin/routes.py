"""``/api/admin/jobs`` and ``/api/admin/environments``: the platform's admins watch and steer the machinery.

Jobs: queued, running, failed (retry), stalled (retry or mark failed), not
yet started (cancel), and counts per queue, as a Sidekiq web UI shows them. Environments: which run, how long
idle, stop one. Organisations: all of them, with their member counts.
Admins only (403 for everyone else). Users are in
:mod:`practica.accounts.admin_routes`; one organisation's members and
invitations in ``organization_routes``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from practica.accounts.dependencies import csrf_protect, settings_of, transaction
from practica.accounts.schemas import Problem
from practica.admin.environments import (
    AdminEnvironment,
    EnvironmentPage,
    EnvironmentStatus,
    cursor_of,
    list_environments,
    parse_cursor,
)
from practica.admin.environments import (
    stop_environment as stop,
)
from practica.admin.jobs import (
    JobPage,
    JobStatus,
    JobView,
    QueueCounts,
    cancel,
    job_manager,
    list_jobs,
    mark_failed,
    mark_stalled,
    queue_counts,
    retry,
)
from practica.admin.organizations import OrganizationPage, list_organizations
from practica.admin.permissions import ADMINS_ONLY
from practica.db.paging import page_of
from servicekit.params import DbId, NulFreeStr

router = APIRouter(
    prefix="/api/admin",
    tags=["admin"],
    dependencies=[Depends(csrf_protect), *ADMINS_ONLY],
    responses={401: {"model": Problem}, 403: {"model": Problem}},
)
Limit = Annotated[int, Query(ge=1, le=500)]


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
        rows = await list_jobs(session, status=status, queue=queue, task=task, after=after, limit=limit + 1)
    items, next_after = page_of(rows, limit, lambda job: job.id)
    settings = settings_of(request)
    if any(job.status == "doing" for job in items):
        async with job_manager(settings.resolved_database_url()) as manager:
            items = await mark_stalled(manager, items, settings.practica_job_stalled_after)
    return JobPage(items=items, next_after=next_after)


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
        rows = await list_organizations(session, after=after, limit=limit + 1)
    items, next_after = page_of(rows, limit, lambda organization: organization.slug)
    return OrganizationPage(items=items, next_after=next_after)


@router.get("/jobs/summary")
async def jobs_summary(request: Request) -> list[QueueCounts]:
    """How many jobs each queue holds, by status."""
    async with job_manager(settings_of(request).resolved_database_url()) as manager:
        return await queue_counts(manager)


async def _job(request: Request, job_id: int) -> JobView:
    async with transaction(request) as session:
        (found,) = await list_jobs(session, job_id=job_id, limit=1)
    return found


@router.post("/jobs/{job_id}/retry", responses={404: {"model": Problem}, 409: {"model": Problem}})
async def retry_job(request: Request, job_id: DbId) -> JobView:
    """Queue a failed job, or a stalled one (doing, its worker gone), again, to run now."""
    settings = settings_of(request)
    async with job_manager(settings.resolved_database_url()) as manager:
        await retry(manager, job_id, settings.practica_job_stalled_after)
    return await _job(request, job_id)


@router.post("/jobs/{job_id}/fail", responses={404: {"model": Problem}, 409: {"model": Problem}})
async def fail_job(request: Request, job_id: DbId) -> JobView:
    """Mark a stalled job (doing, its worker gone) failed; a job whose worker is alive is refused (409)."""
    settings = settings_of(request)
    async with job_manager(settings.resolved_database_url()) as manager:
        await mark_failed(manager, job_id, settings.practica_job_stalled_after)
    return await _job(request, job_id)


@router.post("/jobs/{job_id}/cancel", responses={404: {"model": Problem}, 409: {"model": Problem}})
async def cancel_job(request: Request, job_id: DbId) -> JobView:
    """Cancel a job that has not started yet (status todo)."""
    async with job_manager(settings_of(request).resolved_database_url()) as manager:
        await cancel(manager, job_id)
    return await _job(request, job_id)


@router.get("/environments", responses={422: {"model": Problem}})
async def environments(
    request: Request,
    status: EnvironmentStatus | None = None,
    after: Annotated[NulFreeStr | None, Query(description="A page's `next_after`: the page after it.")] = None,
    limit: Limit = 100,
) -> EnvironmentPage:
    """Most recently active first; without ``status``, every environment not removed."""
    cursor = parse_cursor(after) if after is not None else None
    async with transaction(request) as session:
        rows = await list_environments(session, status=status, limit=limit + 1, after=cursor)
    items, next_after = page_of(rows, limit, cursor_of)
    return EnvironmentPage(items=items, next_after=next_after)


@router.post("/environments/{env_id}/stop", responses={404: {"model": Problem}, 409: {"model": Problem}})
async def stop_environment(request: Request, env_id: NulFreeStr) -> AdminEnvironment:
    """Stop a starting or running environment (its files are kept; the learner's next visit resumes it)."""
    async with transaction(request) as session:
        return await stop(session, env_id)
