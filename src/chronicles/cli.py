"""The ``chronicles`` command line."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from chronicles.settings import ChroniclesSettings
from servicekit.cli import print_settings, settings_or_exit
from servicekit.logging import configure_logging
from servicekit.serving import serve as serve_app
from servicekit.settings import settings_summary

app = typer.Typer(help="Chronicles: the activity-log service.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)


def settings() -> ChroniclesSettings:
    """Load settings, or exit 2 with one line naming the bad variable."""
    return settings_or_exit(ChroniclesSettings, "chronicles")


@app.command()
def config() -> None:
    """Print the resolved settings (secrets hidden), and a warning for each unsafe one."""
    current = settings()
    print_settings(console, "Chronicles settings", settings_summary(current))
    for warning in current.warnings():
        errors.print(f"[bold yellow]warning:[/] {warning}", highlight=False, soft_wrap=True)


@app.command()
def migrate() -> None:
    """Apply Chronicles' database migrations."""
    from chronicles.store.migrate import MIGRATIONS

    current = settings()
    configure_logging(current.log_format, current.log_level, service="chronicles-migrate")
    MIGRATIONS.upgrade(current.resolved_database_url())
    created = _prepare_partitions(current, adopt=True)
    console.print(f"[green]chronicles: database is up to date[/] (partitions created: {created or 'none'})")


@app.command("check-migrations")
def check_migrations() -> None:
    """Fail when the models and the migrations disagree (run in CI)."""
    from chronicles.store.migrate import MIGRATIONS

    MIGRATIONS.check(settings().resolved_database_url())
    console.print("[green]chronicles: models match the migrations[/]")


@app.command(hidden=True)
def revisions() -> None:
    """Print the schema revisions this code knows, as JSON (Practica's backups check a restore against them)."""
    import json

    from chronicles.store.migrate import MIGRATIONS

    print(json.dumps(MIGRATIONS.known_revisions().as_json()))


def _prepare_partitions(current: ChroniclesSettings, *, adopt: bool) -> list[str]:
    """This month's and the next months' partitions, before entries arrive; ``adopt``: months waiting in DEFAULT."""
    import asyncio

    from chronicles.store.partitions import maintain_partitions_at
    from servicekit.jobs import libpq_conninfo

    conninfo = libpq_conninfo(current.resolved_database_url())
    created = asyncio.run(maintain_partitions_at(conninfo, adopt=adopt, tolerate_errors=not adopt))
    return [month.label for month in created]


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (default CHRONICLES_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default CHRONICLES_PORT).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Processes, each listening on the port (SO_REUSEPORT).")] = 1,
) -> None:
    """Serve the HTTP intake, GraphQL and /ping.

    A process keeps nothing a client depends on (cursors are the row's position,
    tokens are checked with the key, rules and templates are read from the
    database), so any number of them may serve one database behind a balancer.
    """
    from chronicles.observability import metrics_directory

    current = settings()
    host, port = host or current.chronicles_host, port or current.chronicles_port
    _prepare_partitions(current, adopt=False)
    # Several processes count into one fresh directory, so that /metrics, whichever answers it, counts them all.
    with metrics_directory() if workers > 1 else nullcontext():
        serve_app("chronicles.app:create_app", factory=True, host=host, port=port, workers=workers, log_config=None)


@app.command()
def consume(
    bootstrap_servers: Annotated[
        str | None, typer.Option(help="Kafka brokers, host:port,... (default CHRONICLES_KAFKA_BOOTSTRAP_SERVERS).")
    ] = None,
    topic: Annotated[str | None, typer.Option(help="Topic to read (default CHRONICLES_KAFKA_TOPIC).")] = None,
    group: Annotated[str | None, typer.Option(help="Consumer group (default CHRONICLES_KAFKA_GROUP).")] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=100_000, help="Most messages per batch.")] = 2000,
    batch_timeout: Annotated[float, typer.Option(min=0.01, help="Seconds to wait to fill a batch.")] = 0.5,
    instance_id: Annotated[
        str | None, typer.Option(help="Static group membership: a restart takes its partitions back at once.")
    ] = None,
    pipeline: Annotated[
        int, typer.Option(min=1, max=8, help="Batches in flight, each on its own database connection.")
    ] = 4,
    session_timeout: Annotated[
        float, typer.Option(min=1, max=300, help="Seconds without a heartbeat before a consumer's partitions move.")
    ] = 45.0,
) -> None:
    """Read entries from Kafka into the store; offsets are committed after the database commits."""
    import asyncio

    from chronicles.ingest.kafka import ConsumerOptions
    from chronicles.ingest.kafka import consume as run_consumer
    from servicekit.jobs import libpq_conninfo

    current = settings()
    configure_logging(current.log_format, current.log_level, service="chronicles-consume")
    servers = bootstrap_servers or current.chronicles_kafka_bootstrap_servers
    if not servers:
        errors.print("chronicles: no Kafka brokers: pass --bootstrap-servers or set CHRONICLES_KAFKA_BOOTSTRAP_SERVERS")
        raise typer.Exit(2)
    options = ConsumerOptions(
        bootstrap_servers=servers,
        topic=topic or current.chronicles_kafka_topic,
        group=group or current.chronicles_kafka_group,
        database_url=libpq_conninfo(current.resolved_database_url()),
        batch_size=batch_size,
        batch_timeout=batch_timeout,
        instance_id=instance_id,
        pipeline=pipeline,
        session_timeout=session_timeout,
    )
    _prepare_partitions(current, adopt=False)
    asyncio.run(run_consumer(options))


@app.command()
def apply(
    file: Annotated[Path, typer.Argument(help="The rules file (YAML): tag_rules and templates.")],
    prune: Annotated[bool, typer.Option("--prune", help="Delete rules and templates the file does not list.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print what would change; change nothing.")] = False,
    no_backfill: Annotated[
        bool, typer.Option("--no-backfill", help="Do not re-tag stored entries for new or changed rules.")
    ] = False,
) -> None:
    """Upsert tag rules and templates from FILE by name, in one transaction, and print what changed."""
    import asyncio

    from chronicles.rules.apply import apply_file
    from servicekit.jobs import libpq_conninfo

    current = settings()
    configure_logging(current.log_format, current.log_level, service="chronicles-apply")
    database_url = libpq_conninfo(current.resolved_database_url())
    options = {"prune": prune, "backfill": not no_backfill, "dry_run": dry_run}
    raise typer.Exit(asyncio.run(apply_file(database_url, file, console, errors, **options)))


@app.command()
def worker(concurrency: Annotated[int, typer.Option(min=1, max=64, help="Jobs run at once.")] = 2) -> None:
    """Run the job worker (backfills, the hash chain's sealer) on the `chronicles` queue."""
    import asyncio

    from chronicles.worker import run_worker
    from servicekit.jobs import WorkerStoppedError

    current = settings()
    configure_logging(current.log_format, current.log_level, service="chronicles-worker")
    try:
        asyncio.run(run_worker(current, concurrency))
    except WorkerStoppedError:
        raise typer.Exit(1) from None


@app.command()
def backfills(
    watch: Annotated[bool, typer.Option("--watch", help="Refresh until every backfill has finished.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many (newest first).")] = 20,
) -> None:
    """Show backfills and their progress."""
    import asyncio

    from chronicles.rules.report import show_backfills
    from servicekit.jobs import libpq_conninfo

    database_url = libpq_conninfo(settings().resolved_database_url())
    asyncio.run(show_backfills(database_url, console, watch=watch, limit=limit))


@app.command()
def retention(
    app_name: Annotated[list[str], typer.Option("--app", help="An app whose old entries go (repeat for several).")],
    older_than: Annotated[
        str, typer.Option("--older-than", help="Age in days, e.g. 400d: months wholly older than that go.")
    ],
    out: Annotated[
        Path, typer.Option("--out", help="Directory of the exports (gzip NDJSON per app and month, manifests).")
    ] = Path("chronicles-retention"),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List what would be exported and dropped.")] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=100_000, help="Entries deleted per transaction.")] = 5000,
) -> None:
    """Export APP's entries of every month older than --older-than, then remove them (resumable)."""
    import asyncio

    from chronicles.retention.run import RetentionRequest, parse_older_than, run_retention
    from servicekit.jobs import libpq_conninfo

    request = RetentionRequest(_app_names(app_name), _days(older_than, parse_older_than), out, dry_run, batch_size)
    if out.exists() and not out.is_dir():
        raise typer.BadParameter(f"{str(out)!r} is not a directory", param_hint="'--out'")
    current = settings()
    configure_logging(current.log_format, current.log_level, service="chronicles-retention")
    raise typer.Exit(asyncio.run(run_retention(libpq_conninfo(current.resolved_database_url()), request, console)))


def _app_names(names: list[str]) -> tuple[str, ...]:
    import re

    from chronicles.contract.patterns import APP_PATTERN

    for name in names:
        if not re.match(APP_PATTERN, name):
            raise typer.BadParameter(f"{name!r} is not an app name ({APP_PATTERN})", param_hint="'--app'")
    return tuple(dict.fromkeys(names))


def _days(text: str, parse: Callable[[str], timedelta]) -> timedelta:
    try:
        return parse(text)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="'--older-than'") from None


@app.command()
def token(
    tag: Annotated[list[str], typer.Option("--tag", help="An access tag the viewer holds (repeat for several).")],
    ttl: Annotated[str, typer.Option("--ttl", help="How long the token is valid: 90s, 15m, 1h, 7d.")] = "1h",
    subject: Annotated[str | None, typer.Option("--subject", help="Who the viewer is (the token's sub).")] = None,
) -> None:
    """Print a viewer token for the public GraphQL API (signed with the Chronicles signing key)."""
    from chronicles.api.tokens import SigningKeyError, mint, parse_ttl, signing_key

    current = settings()
    try:
        print(mint(signing_key(current), tag, parse_ttl(ttl), subject))
    except (SigningKeyError, ValueError) as error:
        errors.print(f"chronicles: {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


@app.command("producer-token")
def producer_token(
    app_name: Annotated[
        list[str], typer.Option("--app", help="An app whose entries the producer may write (repeat for several).")
    ],
    ttl: Annotated[str, typer.Option("--ttl", help="How long the token is valid: 90s, 15m, 1h, 365d.")] = "365d",
    name: Annotated[str | None, typer.Option("--name", help="Who the producer is (the token's sub, for logs).")] = None,
) -> None:
    """Print a producer token for POST /entries, limited to the apps given (signed with the producer key)."""
    from chronicles.api.tokens import parse_ttl
    from chronicles.ingest.producers import ProducerKeyError, mint_producer_token, producer_key

    current = settings()
    try:
        print(mint_producer_token(producer_key(current), app_name, parse_ttl(ttl), name))
    except (ProducerKeyError, ValueError) as error:
        errors.print(f"chronicles: {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


@app.command()
def schema() -> None:
    """Print the entry message's JSON Schema (the versioned contract for producers)."""
    import json

    from chronicles.contract.messages import json_schema

    print(json.dumps(json_schema(), indent=2, sort_keys=True))


@app.command("seal")
def seal_days() -> None:
    """Seal every complete recorded day not sealed yet (the worker does it every 10 minutes)."""
    import asyncio

    from chronicles.integrity.report import run_seal
    from servicekit.jobs import libpq_conninfo

    database_url = libpq_conninfo(settings().resolved_database_url())
    raise typer.Exit(asyncio.run(run_seal(database_url, console, errors)))


@app.command()
def verify(
    app_name: Annotated[str | None, typer.Option("--app", help="Only this app (default: every app).")] = None,
    first: Annotated[str | None, typer.Option("--from", help="First recorded day to check, YYYY-MM-DD.")] = None,
    last: Annotated[str | None, typer.Option("--to", help="Last recorded day to check, YYYY-MM-DD.")] = None,
) -> None:
    """Recompute the sealed hash chains: exit 0 when intact, 1 naming the first altered, missing or extra entry."""
    import asyncio

    from chronicles.integrity.report import parse_day, run_verify
    from servicekit.jobs import libpq_conninfo

    try:
        days = parse_day("--from", first), parse_day("--to", last)
    except ValueError as error:
        errors.print(f"chronicles: {error}", highlight=False)
        raise typer.Exit(2) from None
    if days[0] and days[1] and days[0] > days[1]:
        errors.print(f"chronicles: --from ({days[0]}) is after --to ({days[1]})", highlight=False)
        raise typer.Exit(2)
    database_url = libpq_conninfo(settings().resolved_database_url())
    raise typer.Exit(asyncio.run(run_verify(database_url, console, errors, app_name, *days)))


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app()
