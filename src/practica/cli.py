"""The ``practica`` command line."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import typer
from rich.console import Console

from practica.accounts.cli import app as user_app
from practica.backups.cli import app as backup_app
from practica.checks.cli import app as lesson_app
from practica.environments.cli import gateway
from practica.hosts.cli import app as hosts_app
from practica.lessons.cli import app as course_app
from practica.sandbox.cli import env_app, sandbox_controller
from practica.settings import PracticaSettings
from servicekit.cli import print_settings, settings_or_exit
from servicekit.logging import configure_logging
from servicekit.serving import serve
from servicekit.settings import settings_summary

app = typer.Typer(help="Practica: practical programming lessons in real environments.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)
app.add_typer(env_app, name="env")
app.add_typer(lesson_app, name="lesson")
app.add_typer(course_app, name="course")
app.add_typer(user_app, name="user")
app.add_typer(backup_app, name="backup")
app.add_typer(hosts_app, name="hosts")
app.command()(gateway)
app.command("sandbox-controller")(sandbox_controller)


def settings() -> PracticaSettings:
    """Load settings, or exit 2 with one line naming the bad variable."""
    return settings_or_exit(PracticaSettings, "practica")


@app.command()
def config() -> None:
    """Print the resolved settings (secrets hidden)."""
    print_settings(console, "Practica settings", settings_summary(settings()))


@app.command()
def migrate() -> None:
    """Apply Practica's database migrations."""
    from practica.db.migrate import MIGRATIONS

    current = settings()
    configure_logging(current.log_format, current.log_level, service="practica-migrate")
    MIGRATIONS.upgrade(current.resolved_database_url())
    console.print("[green]practica: database is up to date[/]")


@app.command("check-migrations")
def check_migrations() -> None:
    """Fail when the models and the migrations disagree (run in CI)."""
    from practica.db.migrate import MIGRATIONS

    MIGRATIONS.check(settings().resolved_database_url())
    console.print("[green]practica: models match the migrations[/]")


@app.command()
def web(
    host: Annotated[str | None, typer.Option(help="Listen address (default PRACTICA_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default PRACTICA_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes (default PRACTICA_WEB_WORKERS).")] = None,
) -> None:
    """Serve the web app.

    uvicorn's own proxy headers are off: the app believes ``X-Forwarded-For``
    only from ``PRACTICA_TRUSTED_PROXIES`` (:func:`practica.web.app.create_app`),
    not from uvicorn's default of 127.0.0.1, through which any local client
    could choose its address.
    """
    current = settings()
    listen = host or current.practica_host
    if problem := current.development_exposed_on(listen):
        errors.print(f"practica: configuration error: {problem}", highlight=False, soft_wrap=True)
        raise typer.Exit(2)
    serve(
        "practica.web.app:create_app",
        factory=True,
        host=listen,
        port=port or current.practica_port,
        workers=current.practica_web_workers if workers is None else workers,
        log_config=None,
        proxy_headers=False,
    )


@app.command()
def worker(
    concurrency: Annotated[int | None, typer.Option(help="Jobs at once (default PRACTICA_WORKER_CONCURRENCY).")] = None,
    queue: Annotated[list[str] | None, typer.Option(help="Only these queues (repeatable).")] = None,
) -> None:
    """Run a job worker until interrupted."""
    from practica.hosts.runtimes import keep_runtimes_warm
    from practica.jobs.queue import SANDBOX_QUEUE
    from practica.jobs.resources import WorkerResources
    from practica.jobs.worker import run_worker
    from servicekit.jobs import WorkerStoppedError

    current = settings()
    configure_logging(current.log_format, current.log_level, service="practica-worker")

    async def warm_host_runtimes(resources: WorkerResources) -> None:
        """A sandbox worker makes each eval host's runtime ahead of its first job there."""
        await keep_runtimes_warm(resources.sandbox, resources.sessions)

    warm = warm_host_runtimes if queue is None or SANDBOX_QUEUE in queue else None
    try:
        asyncio.run(run_worker(current, concurrency or current.practica_worker_concurrency, queue, warm))
    except WorkerStoppedError:
        raise typer.Exit(1) from None


@app.command()
def up(
    skip_migrations: Annotated[bool, typer.Option(help="Do not migrate before starting.")] = False,
) -> None:
    """Start everything (database, migrations, worker, Practica and Chronicles) in one process group."""
    from practica.supervisor import Supervisor

    current = settings()
    configure_logging(current.log_format, current.log_level, service="practica-up")
    raise typer.Exit(Supervisor(current, console, migrate=not skip_migrations).run())


@app.command("prepare")
def prepare_command(
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the database servers.")] = 120.0,
) -> None:
    """Wait for the databases, migrate both products and prepare the first run, then exit (a deployment's start)."""
    from practica.deploy.prepare import prepare_deployment

    current = settings()
    configure_logging(current.log_format, current.log_level, service="practica-prepare")
    prepare_deployment(current, console, timeout)


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()
