"""Chronicles' procrastinate app (on the Chronicles database): backfills and other slow work."""

from __future__ import annotations

import procrastinate

from servicekit.jobs import bind

TASK_MODULES: list[str] = []
QUEUE = "chronicles"  # every Chronicles task runs on this queue (the database may be shared with Practica)

jobs = procrastinate.App(connector=procrastinate.PsycopgConnector(), import_paths=TASK_MODULES)


def make_job_app(database_url: str, *, pool_size: int = 4) -> procrastinate.App:
    return bind(jobs, database_url, pool_size=pool_size)
