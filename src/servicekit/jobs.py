"""Procrastinate helpers both products use: binding an app to a database, deferring in a transaction.

A job deferred with :func:`defer_in_transaction` is inserted through the
session's own connection: if the transaction rolls back, the job was never
queued; if it commits, the job is there. No job runs for data that does not
exist, and no committed change misses its job.
"""

from __future__ import annotations

from typing import Any

import procrastinate
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession


def libpq_conninfo(database_url: str) -> str:
    """Turn a SQLAlchemy URL into a libpq URI (what psycopg's pool takes)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def bind(app: procrastinate.App, database_url: str, *, pool_size: int = 4) -> procrastinate.App:
    """A copy of ``app``, with every task it knows, connected to ``database_url``."""
    connector = procrastinate.PsycopgConnector(conninfo=libpq_conninfo(database_url), min_size=1, max_size=pool_size)
    return app.with_connector(connector)


async def defer_in_transaction(
    session: AsyncSession, task: procrastinate.tasks.Task[Any, Any, Any], **task_kwargs: Any
) -> int:
    """Queue ``task`` in ``session``'s transaction; return the job id."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    job_id: int = await task.configure(connection=raw.driver_connection).defer_async(**task_kwargs)
    return job_id
