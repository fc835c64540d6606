"""Practica's procrastinate app.

Tasks register on the module-level :data:`jobs` app (``@jobs.task(...)``) in
their domain's ``tasks`` module, listed in :data:`TASK_MODULES` so that a
worker knows them all. Processes get a copy bound to their database with
:func:`make_job_app`; web code defers jobs with
:func:`servicekit.jobs.defer_in_transaction`.
"""

from __future__ import annotations

import procrastinate

from servicekit.jobs import bind, defer_in_transaction

__all__ = ["QUEUES", "TASK_MODULES", "defer_in_transaction", "jobs", "make_job_app"]

TASK_MODULES: list[str] = []
# The queues Practica's tasks use; a worker listens to these (not to Chronicles' queue
# when the two products share one database).
QUEUES = ["default"]

jobs = procrastinate.App(connector=procrastinate.PsycopgConnector(), import_paths=TASK_MODULES)


def make_job_app(database_url: str, *, pool_size: int = 4) -> procrastinate.App:
    return bind(jobs, database_url, pool_size=pool_size)
