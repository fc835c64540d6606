"""The ``chronicles`` command line."""

from __future__ import annotations

import os
from typing import Annotated

import typer
import uvicorn
from rich.console import Console

from chronicles.settings import ChroniclesSettings
from servicekit.cli import print_settings
from servicekit.logging import configure_logging
from servicekit.settings import SettingsError, load_settings, settings_summary

app = typer.Typer(help="Chronicles: the activity-log service.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


def settings() -> ChroniclesSettings:
    """Load settings, or exit 2 with one line naming the bad variable."""
    try:
        return load_settings(ChroniclesSettings)
    except SettingsError as error:
        errors.print(f"chronicles: configuration error: {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


@app.command()
def config() -> None:
    """Print the resolved settings (secrets hidden)."""
    print_settings(console, "Chronicles settings", settings_summary(settings()))


@app.command()
def migrate() -> None:
    """Apply Chronicles' database migrations."""
    from chronicles.store import migrate as migrations

    current = settings()
    configure_logging(current.log_format, current.log_level, service="chronicles-migrate")
    migrations.upgrade(current.resolved_database_url())
    console.print("[green]chronicles: database is up to date[/]")


@app.command("check-migrations")
def check_migrations() -> None:
    """Fail when the models and the migrations disagree (run in CI)."""
    from chronicles.store import migrate as migrations

    migrations.check(settings().resolved_database_url())
    console.print("[green]chronicles: models match the migrations[/]")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (default CHRONICLES_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default CHRONICLES_PORT).")] = None,
) -> None:
    """Serve the HTTP intake, GraphQL and /ping."""
    current = settings()
    uvicorn.run(
        "chronicles.app:create_app",
        factory=True,
        host=host or current.chronicles_host,
        port=port or current.chronicles_port,
        log_config=None,
    )


@app.command()
def schema() -> None:
    """Print the entry message's JSON Schema (the versioned contract for producers)."""
    import json

    from chronicles.contract.messages import json_schema

    print(json.dumps(json_schema(), indent=2, sort_keys=True))


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()
