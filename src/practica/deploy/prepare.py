"""``practica prepare``: the one-shot start of a deployment, before its services.

``practica up`` migrates and prepares the first run itself; a deployment of
separate services (``deploy/compose.yaml``) runs this once per start
instead, as the ``prepare`` service: wait for the database server (it may
still be starting), migrate both products, apply Practica's tag rules to
Chronicles, then publish the sample courses on an empty catalogue and log a
setup link while no admin exists. Every step is idempotent, so a second
start changes nothing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psycopg
import structlog
from rich.console import Console

from practica.db.migrate import MIGRATIONS
from practica.first_run import prepare
from practica.settings import PracticaSettings
from practica.supervisor import PRACTICA_RULES

log = structlog.get_logger(__name__)


class DatabaseNotReadyError(RuntimeError):
    """The database server did not accept a connection in time."""


def wait_for_database(url: str, timeout_s: float) -> None:
    """Return once ``url`` accepts a connection; a server still starting refuses for a few seconds."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=5):
                return
        except psycopg.OperationalError as error:
            if time.monotonic() > deadline:
                raise DatabaseNotReadyError(f"the database did not answer within {timeout_s:.0f} s: {error}") from None
        time.sleep(1)


def prepare_deployment(settings: PracticaSettings, console: Console, timeout_s: float) -> None:
    url = settings.resolved_database_url()
    chronicles_url = os.environ.get("CHRONICLES_DATABASE_URL", "")
    for database in filter(None, (url, chronicles_url)):
        wait_for_database(database, timeout_s)
    MIGRATIONS.upgrade(url)
    console.print("Practica migrated")
    subprocess.run([sys.executable, "-m", "chronicles", "migrate"], check=True)
    if PRACTICA_RULES.exists():
        apply = [sys.executable, "-m", "chronicles", "apply", str(PRACTICA_RULES)]
        subprocess.run(apply, check=True, stdout=subprocess.DEVNULL)
        console.print("Practica's tag rules applied to Chronicles")
    else:
        console.print(f"Practica's tag rules are missing ({PRACTICA_RULES}): activity views stay empty")
    first_run = prepare(settings, url)
    if first_run.samples.published:
        console.print(f"Published the sample courses: {', '.join(first_run.samples.published)}", highlight=False)
    for directory, reason in first_run.samples.skipped.items():
        console.print(f"Sample course {directory} not published: {reason}", highlight=False)
    if first_run.setup_token is not None:
        console.print(
            f"No admin yet: sign up, then open {settings.practica_public_url.rstrip('/')}/setup/"
            f"{first_run.setup_token} (once, 24 h), or run `practica user set-role EMAIL admin`",
            highlight=False,
            soft_wrap=True,
        )
