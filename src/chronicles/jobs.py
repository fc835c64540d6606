"""Chronicles' procrastinate app (on the Chronicles database): backfills and other slow work."""

from __future__ import annotations

import procrastinate

from servicekit.jobs import connected

__all__ = ["QUEUE", "TASK_MODULES", "connected", "jobs"]

TASK_MODULES: list[str] = ["chronicles.rules.tasks", "chronicles.retention.tasks", "chronicles.integrity.tasks"]
QUEUE = "chronicles"  # every Chronicles task runs on this queue (the database may be shared with Practica)

jobs = procrastinate.App(connector=procrastinate.PsycopgConnector(), import_paths=TASK_MODULES)
