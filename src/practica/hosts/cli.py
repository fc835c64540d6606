"""``practica hosts …``: the eval hosts environments are placed on (add, list, drain and its undo, remove)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncSession

from practica.hosts import registry
from practica.hosts.engine import EngineError, engine_client, probe
from practica.hosts.images import BuiltEnvironment, bring_up_to_date, built_environments, describe
from practica.hosts.registry import HostError, HostView, gib
from practica.sandbox.spec import parse_size
from practica.settings import PracticaSettings
from servicekit.cli import settings_or_exit

app = typer.Typer(help="Eval hosts: engines that run learners' environments.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)
Result = TypeVar("Result")
DEFAULT_COUNT = 200
IMPORT_TIMEOUT_S = 1800.0  # an environment's image is hundreds of MB, sent to the engine in one request


def _fail(message: str) -> typer.Exit:
    errors.print(f"practica: {message}", highlight=False, markup=False, soft_wrap=True)
    return typer.Exit(1)


def _in_transaction(work: Callable[[AsyncSession], Awaitable[Result]]) -> Result:
    settings = settings_or_exit(PracticaSettings, "practica")

    async def run() -> Result:
        from servicekit.database import make_engine, make_sessionmaker

        engine = make_engine(settings.resolved_database_url(), pool_size=1, application_name="practica-hosts")
        try:
            async with make_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except HostError as error:
        raise _fail(error.detail) from None


def _size(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        size = parse_size(text)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--capacity-memory") from None
    assert isinstance(size, int)
    return size


@app.command()
def add(
    name: Annotated[str, typer.Argument(help="The host's name (lower-case letters, digits, '-').")],
    url: Annotated[
        str,
        typer.Argument(
            help="Its Docker Engine API: tcp://HOST:PORT over TLS, or ssh://USER@HOST[:PORT]/ENGINE-SOCKET "
            "(default socket /var/run/docker.sock)."
        ),
    ],
    cert_dir: Annotated[
        Path,
        typer.Option(
            help="TLS: ca.pem, cert.pem and key.pem (Docker's layout). SSH: known_hosts and id_ed25519 "
            "(or id_ecdsa, id_rsa). The workers read it from here."
        ),
    ],
    capacity_memory: Annotated[
        str | None, typer.Option(help="Memory environments may reserve, e.g. 16g (default: the engine's memory).")
    ] = None,
    capacity_count: Annotated[int, typer.Option(min=1, help="Environments at once.")] = DEFAULT_COUNT,
    trial: Annotated[
        bool, typer.Option(help="Make, use and remove a trial environment there before adding it.")
    ] = True,
    environments: Annotated[
        bool, typer.Option(help="Import every environment built here (practica env build) before adding it.")
    ] = True,
) -> None:
    """Add an eval host: its engine must answer with these credentials, run a trial environment, get the images."""
    memory = _size(capacity_memory)
    try:
        registry.check_name(name)
    except HostError as error:
        raise _fail(error.detail) from None
    try:
        with console.status(f"asking the engine at {url} …"):
            facts = probe(url, cert_dir)
    except EngineError as error:
        raise _fail(f"{name} not added: {error.detail}") from None
    tried = _trial(name, url, cert_dir) if trial else None
    imported = _import_environments(name, url, cert_dir) if environments else None
    view = _in_transaction(
        lambda session: registry.add_host(
            session, name, url, cert_dir.resolve(), facts, capacity_memory=memory, capacity_count=capacity_count
        )
    )
    console.print(
        f"[green]added {view.name}[/] ({view.engine}, {gib(view.capacity_memory)} GiB for environments, "
        f"{view.capacity_count} at most)",
        highlight=False,
    )
    if tried is not None:
        console.print(f"trial environment made, used and removed in {tried * 1000:,.0f} ms", highlight=False)
    if imported is not None:
        console.print(f"environments: {imported}", highlight=False)


def _import_environments(name: str, url: str, cert_dir: Path) -> str:
    """Every environment built here, imported into the engine at ``url``; what was done, as a sentence."""
    from practica.sandbox.settings import SandboxSettings

    try:
        return _bring_up_to_date(url, cert_dir, built_environments(SandboxSettings()))
    except EngineError as error:
        raise _fail(f"{name} not added: {error.detail}") from None


def _bring_up_to_date(url: str, cert_dir: Path, built: list[BuiltEnvironment]) -> str:
    import docker.errors
    import requests

    client = engine_client(url, cert_dir, timeout=IMPORT_TIMEOUT_S)
    try:
        with console.status(f"images for {url} …") as status:
            done = bring_up_to_date(client, built, lambda line: status.update(f"{url}: {line}"))
    except (docker.errors.DockerException, requests.RequestException, OSError) as error:
        raise EngineError(f"{url}: importing the environments failed: {error}") from None
    finally:
        client.close()
    return describe(done)


@app.command("environments")
def environments_on_hosts(
    host: Annotated[list[str] | None, typer.Option(help="Only this host (repeat for more).")] = None,
) -> None:
    """Import every environment built here into each eval host lacking its current build (after env build)."""
    from practica.sandbox.settings import SandboxSettings

    built = built_environments(SandboxSettings())
    targets = [view for view in _in_transaction(registry.list_hosts) if not host or view.name in host]
    unknown = sorted(set(host or ()) - {view.name for view in targets})
    if unknown:
        raise _fail(f"no eval host named {', '.join(unknown)} (practica hosts list)")
    failed = False
    for view in targets:
        if view.state == "down":
            errors.print(f"{view.name}: down, skipped", highlight=False)
            failed = True
            continue
        try:
            console.print(f"{view.name}: {_bring_up_to_date(view.url, Path(view.cert_dir), built)}", highlight=False)
        except EngineError as error:
            errors.print(f"{view.name}: {error.detail}", highlight=False, markup=False)
            failed = True
    if failed:
        raise typer.Exit(1)


def _trial(name: str, url: str, cert_dir: Path) -> float:
    from practica.hosts.trial import trial_on
    from practica.sandbox.settings import SandboxSettings

    try:
        with console.status(f"starting a trial environment on {url} …"):
            return asyncio.run(trial_on(url, cert_dir, SandboxSettings()))
    except EngineError as error:
        raise _fail(f"{name} not added: {error.detail}") from None


@app.command("list")
def list_hosts() -> None:
    """The hosts, their state and what is reserved on each."""
    hosts = _in_transaction(registry.list_hosts)
    if not hosts:
        console.print("no eval hosts: environments run on this machine (practica hosts add NAME URL --cert-dir DIR)")
        return
    table = Table("host", "state", "engine", "memory (GiB)", "environments", "last seen", "url", "last error")
    for host in hosts:
        table.add_row(
            host.name,
            _state(host),
            host.engine,
            f"{gib(host.reserved_memory)} / {gib(host.capacity_memory)}",
            f"{host.reserved_count} / {host.capacity_count}",
            _ago(host.last_seen_at),
            host.url,
            host.last_error or "",
        )
    console.print(table)


@app.command()
def drain(
    name: Annotated[str, typer.Argument(help="The host.")],
    undo: Annotated[bool, typer.Option("--undo", help="Take new environments again.")] = False,
) -> None:
    """Stop placing new environments on a host; those on it keep running."""
    view = _in_transaction(lambda session: registry.set_draining(session, name, not undo))
    console.print(f"{view.name} is {view.state}")


@app.command()
def remove(name: Annotated[str, typer.Argument(help="The host.")]) -> None:
    """Forget a host that holds no environments (drain it first)."""
    _in_transaction(lambda session: registry.remove_host(session, name))
    console.print(f"removed {name}")


def _state(host: HostView) -> str:
    colour = {"active": "green", "draining": "yellow", "down": "red"}[host.state]
    since = f" since {_ago(host.down_since)}" if host.down_since else ""
    return f"[{colour}]{host.state}[/]{since}"


def _ago(moment: datetime | None) -> str:
    if moment is None:
        return ""
    seconds = int((datetime.now(UTC) - moment).total_seconds())
    return f"{seconds} s ago" if seconds < 120 else f"{seconds // 60} min ago"
