"""Procrastinate helpers both products use: binding an app to a database, deferring in a transaction,
running a worker that fails loudly.

A job deferred with :func:`defer_in_transaction` is inserted through the
session's own connection: if the transaction rolls back, the job was never
queued; if it commits, the job is there. No job runs for data that does not
exist, and no committed change misses its job.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Unpack

import procrastinate
import procrastinate.worker
import structlog
from procrastinate.app import WorkerOptions
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

log = structlog.get_logger(__name__)


def libpq_conninfo(database_url: str) -> str:
    """Turn a SQLAlchemy URL into a libpq URI (what psycopg's pool takes)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def connected(
    app: procrastinate.App, database_url: str, *, pool_size: int = 4
) -> AsyncIterator[procrastinate.App]:
    """Open ``app`` on a pool for ``database_url`` for the block, then put it back.

    Tasks register on one module-level app per product; this points that
    app (and so every task's deferrer, periodic ones included) at the right
    database. Deferring through a transaction needs no pool at all.
    """
    connector = procrastinate.PsycopgConnector(conninfo=libpq_conninfo(database_url), min_size=1, max_size=pool_size)
    with app.replace_connector(connector):
        async with app.open_async():
            yield app


async def defer_in_transaction(
    session: AsyncSession,
    task: procrastinate.tasks.Task[Any, Any, Any],
    *,
    queueing_lock: str | None = None,
    lock: str | None = None,
    **task_kwargs: Any,
) -> int:
    """Queue ``task`` in ``session``'s transaction; return the job id.

    With ``queueing_lock``, a second job while one is queued raises
    ``procrastinate.exceptions.AlreadyEnqueued`` (and aborts the transaction,
    so wrap the call in a savepoint when that is expected). Jobs with the same
    ``lock`` run one at a time, in the order they were queued.
    """
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    deferrer = task.configure(connection=raw.driver_connection, queueing_lock=queueing_lock, lock=lock)
    job_id: int = await deferrer.defer_async(**task_kwargs)
    return job_id


async def defer_by_name_in_transaction(
    session: AsyncSession,
    app: procrastinate.App,
    name: str,
    *,
    queueing_lock: str | None = None,
    lock: str | None = None,
    **task_kwargs: Any,
) -> int:
    """:func:`defer_in_transaction` for the task registered as ``name``.

    The caller needs no import of the task's module (the app imports its task modules itself), so a
    domain's service defers its own tasks without the import cycle a task object would make.
    """
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    deferrer = app.configure_task(
        name, allow_unknown=False, connection=raw.driver_connection, queueing_lock=queueing_lock, lock=lock
    )
    job_id: int = await deferrer.defer_async(**task_kwargs)
    return job_id


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class WorkerStoppedError(RuntimeError):
    """The worker ended without SIGTERM or SIGINT: one of its side tasks failed (the error is logged before)."""


async def run_worker_until_stopped(app: procrastinate.App, **options: Unpack[WorkerOptions]) -> None:
    """Run ``app``'s worker until SIGTERM or SIGINT; raise :class:`WorkerStoppedError` if it ends otherwise.

    procrastinate stops a worker whose LISTEN connection or periodic deferrer fails (the database
    restarting, its host name not resolving for a while) and returns as if it had been asked to stop:
    the process would exit 0 and stay down, and nothing would send mail or run checks. Raising lets the
    process exit non-zero, so that its supervisor (the topology's restart policy, systemd) starts it
    again. A second signal, after the first asked for a graceful stop, gets the default handling.
    """
    final: WorkerOptions = {**app.worker_defaults, **options, "install_signal_handlers": False}
    # procrastinate leaves perform_import_paths, Worker.stop and Worker.run unannotated.
    app.perform_import_paths()  # type: ignore[no-untyped-call]
    worker = procrastinate.worker.Worker(app=app, **final)
    asked = asyncio.Event()
    loop = asyncio.get_running_loop()

    def stop() -> None:
        asked.set()
        _remove_handlers(loop)
        worker.stop()  # type: ignore[no-untyped-call]

    for number in STOP_SIGNALS:
        loop.add_signal_handler(number, stop)
    try:
        await worker.run()  # type: ignore[no-untyped-call]
    finally:
        _remove_handlers(loop)
    if not asked.is_set():
        log.error("worker.stopped_on_its_own", hint="its error is logged above; exiting non-zero to be restarted")
        raise WorkerStoppedError("the job worker stopped without being asked to (its error is logged above)")


def _remove_handlers(loop: asyncio.AbstractEventLoop) -> None:
    for number in STOP_SIGNALS:
        loop.remove_signal_handler(number)
