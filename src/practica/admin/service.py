"""What admins change: retry, fail or cancel a job (through procrastinate), stop a learner's environment.

Stopping goes through :func:`practica.environments.service.request_stop` like any
web code: the row turns ``stopping`` and the stop job is queued with it. A job
action refuses with :class:`~practica.admin.errors.JobStateError` (404 for a
missing job, 409 for one in another state; stalled: :mod:`practica.admin.jobs`).
"""

from __future__ import annotations

from procrastinate import exceptions, utils
from procrastinate.jobs import Status
from procrastinate.manager import JobManager
from sqlalchemy.ext.asyncio import AsyncSession

from practica.admin.errors import AdminError, JobStateError
from practica.admin.jobs import job_manager, stalled_ids
from practica.admin.queries import environment
from practica.admin.schemas import AdminEnvironment
from practica.environments.service import request_stop
from practica.settings import PracticaSettings


async def _status(manager: JobManager, job_id: int) -> str:
    try:
        return (await manager.get_job_status_async(job_id)).value
    except exceptions.NoResult:
        raise JobStateError(404, f"no job {job_id}") from None


async def _check_stalled(manager: JobManager, job_id: int, stalled_after_s: float, action: str) -> None:
    if job_id not in await stalled_ids(manager, stalled_after_s):
        raise JobStateError(
            409, f"job {job_id} is doing and its worker is alive: only a stalled job can be {action} while doing"
        )


async def retry(settings: PracticaSettings, job_id: int) -> None:
    """Queue a failed or stalled job again, to run now (procrastinate counts it as one more attempt)."""
    async with job_manager(settings.resolved_database_url()) as manager:
        status = await _status(manager, job_id)
        if status == "doing":
            await _check_stalled(manager, job_id, settings.practica_job_stalled_after, "retried")
        elif status != "failed":
            raise JobStateError(409, f"job {job_id} is {status}: only a failed or stalled job can be retried")
        try:
            await manager.retry_job_by_id_async(job_id, retry_at=utils.utcnow())
        except exceptions.ConnectorException:  # it changed state since: procrastinate refuses
            raise JobStateError(409, f"job {job_id} is no longer {status}: it was not retried") from None


async def mark_failed(settings: PracticaSettings, job_id: int) -> None:
    """End a stalled job as failed (it shows among the failed jobs, and can be retried from there)."""
    async with job_manager(settings.resolved_database_url()) as manager:
        status = await _status(manager, job_id)
        if status != "doing":
            raise JobStateError(409, f"job {job_id} is {status}: only a stalled job (doing) can be marked failed")
        await _check_stalled(manager, job_id, settings.practica_job_stalled_after, "marked failed")
        try:
            await manager.finish_job_by_id_async(job_id, status=Status.FAILED, delete_job=False)
        except exceptions.ConnectorException:
            raise JobStateError(409, f"job {job_id} is no longer doing: it was not marked failed") from None


async def cancel(settings: PracticaSettings, job_id: int) -> None:
    """Cancel a job that has not started (``todo``); a running one is left alone."""
    async with job_manager(settings.resolved_database_url()) as manager:
        status = await _status(manager, job_id)
        if status != "todo":
            raise JobStateError(409, f"job {job_id} is {status}: only a job still to do (todo) can be cancelled")
        if not await manager.cancel_job_by_id_async(job_id):
            raise JobStateError(409, f"job {job_id} started meanwhile: only a job still to do (todo) can be cancelled")


async def stop_environment(session: AsyncSession, env_id: str) -> AdminEnvironment:
    """Ask to stop a starting or running environment (files kept): 404 for a missing one, 409 for one not live."""
    found = await environment(session, env_id)
    if found is None:
        raise AdminError(404, f"no environment {env_id}")
    if not await request_stop(session, env_id):
        raise AdminError(409, f"environment {env_id} is {found.status}: only a running or starting one stops")
    stopping = await environment(session, env_id)
    assert stopping is not None
    return stopping
