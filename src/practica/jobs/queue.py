"""Practica's procrastinate app.

Tasks register on the module-level :data:`jobs` app (``@jobs.task(...)``) in
their domain's ``tasks`` module, listed in :data:`TASK_MODULES` so that a
worker knows them all. A worker opens it on its database with
:func:`servicekit.jobs.connected`; web code defers jobs with
:func:`servicekit.jobs.defer_in_transaction` and needs no pool.
"""

from __future__ import annotations

import procrastinate

from servicekit.jobs import connected, defer_by_name_in_transaction, defer_in_transaction

__all__ = [
    "QUEUES",
    "SANDBOX_QUEUE",
    "TASK_MODULES",
    "connected",
    "defer_by_name_in_transaction",
    "defer_in_transaction",
    "jobs",
]

TASK_MODULES: list[str] = [
    "practica.accounts.tasks",
    "practica.authoring.tasks",
    "practica.checks.tasks",
    "practica.events.relay",
    "practica.learning.workspaces",
    "practica.learning.saves",
    "practica.environments.tasks",
    "practica.environments.pool",
    "practica.hosts.heartbeat",
    "practica.monitoring.tasks",
]
# The queues Practica's tasks use; a worker listens to these (not to Chronicles' queue
# when the two products share one database).
SANDBOX_QUEUE = "sandbox"  # jobs that need a sandbox runtime: workers on an eval host listen to it
QUEUES = ["default", SANDBOX_QUEUE, "checks"]

jobs = procrastinate.App(connector=procrastinate.PsycopgConnector(), import_paths=TASK_MODULES)
