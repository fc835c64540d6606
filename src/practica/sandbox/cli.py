"""``practica env``: run a command in a fresh environment, build environments, serve the engine."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from practica.sandbox.build import build_rootfs
from practica.sandbox.environments import HOST, definition_names, load_definition, rootfs_dir
from practica.sandbox.registry import available_runtimes, create_runtime
from practica.sandbox.runtime import SandboxError
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import EndReason, EnvironmentSpec, ExecRequest, NetworkAccess, OutputChunk, ResourceLimits
from servicekit.cli import settings_or_exit

env_app = typer.Typer(help="Learner environments: run, build.", no_args_is_help=True)
errors = Console(stderr=True)
INFRASTRUCTURE_EXIT = 125


def _settings() -> SandboxSettings:
    """Load settings, or exit 2 with one line naming the bad variable."""
    return settings_or_exit(SandboxSettings, "practica")


def _write(chunk: OutputChunk) -> None:
    target = sys.stdout.buffer if chunk.stream == "stdout" else sys.stderr.buffer
    target.write(chunk.data)
    target.flush()


async def _exec(
    settings: SandboxSettings, runtime_name: str | None, spec: EnvironmentSpec, request: ExecRequest
) -> int:
    runtime = create_runtime(settings, runtime_name)
    env_id = None
    try:
        env_id = (await runtime.create(spec)).id
        result = await runtime.exec(env_id, request, _write)
    finally:
        if env_id is not None:
            await runtime.remove(env_id)
        await runtime.close()
    note = " (output truncated)" if result.truncated else ""
    errors.print(
        f"practica: exit {result.exit_code} ({result.reason.value}) in {result.duration:.2f} s{note}", highlight=False
    )
    if result.reason is EndReason.INFRASTRUCTURE_ERROR:
        return INFRASTRUCTURE_EXIT
    return result.exit_code


@env_app.command("exec")
def exec_command(
    name: Annotated[str, typer.Argument(help="Environment (`host`, or one under environments/).")],
    command: Annotated[list[str], typer.Argument(help="The command and its arguments (after --).")],
    runtime: Annotated[str | None, typer.Option(help="Runtime (default PRACTICA_SANDBOX_RUNTIME).")] = None,
    network: Annotated[NetworkAccess, typer.Option(help="none or egress.")] = NetworkAccess.NONE,
    timeout: Annotated[float, typer.Option(help="Wall-clock limit, seconds.")] = 60.0,
    memory: Annotated[str, typer.Option(help="Memory limit (e.g. 512m).")] = "512m",
    stdin: Annotated[bool, typer.Option("--stdin", help="Pass this command's standard input.")] = False,
) -> None:
    """Run one command in a fresh environment; stream its output; exit with its exit code."""
    settings = _settings()
    try:
        spec = EnvironmentSpec(
            environment=name,
            network=network,
            limits=ResourceLimits.model_validate({"memory": memory, "wall_timeout": timeout}),
        )
        request = ExecRequest(argv=command, stdin=sys.stdin.buffer.read() if stdin else None)
        code = asyncio.run(_exec(settings, runtime, spec, request))
    except (SandboxError, ValueError) as error:
        errors.print(f"practica: {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(INFRASTRUCTURE_EXIT) from None
    raise typer.Exit(code)


async def _build(settings: SandboxSettings, name: str, runtimes: list[str], force: bool) -> None:
    definition = load_definition(settings, name)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=errors, transient=False) as progress:
        task = progress.add_task(f"{name}: root file system", total=None)
        await build_rootfs(
            settings, definition, lambda line: progress.update(task, description=f"{name}: {line}"), force=force
        )
        progress.update(task, description=f"{name}: root file system ready at {rootfs_dir(settings, name)}")
        if "docker" in runtimes:
            image_task = progress.add_task(f"{name}: importing the docker image", total=None)
            image = await asyncio.to_thread(_import_docker, settings, name)
            progress.update(image_task, description=f"{name}: docker image {image}")


def _import_docker(settings: SandboxSettings, name: str) -> str:
    import docker

    from practica.sandbox.docker_images import import_rootfs

    client = docker.DockerClient(base_url=settings.docker_url, timeout=600)
    try:
        return import_rootfs(client, rootfs_dir(settings, name), name)
    finally:
        client.close()


@env_app.command()
def build(
    name: Annotated[str, typer.Argument(help="Environment under environments/ (see `practica env list`).")],
    runtime: Annotated[
        list[str] | None, typer.Option(help="Only for these runtimes (default: bwrap and docker).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Rebuild even when up to date.")] = False,
) -> None:
    """Build an environment: a Debian root file system (bwrap), imported as an image (docker)."""
    settings = _settings()
    if name == HOST:
        errors.print("practica: `host` is built in; nothing to build")
        return
    try:
        asyncio.run(_build(settings, name, runtime or ["bwrap", "docker"], force))
    except SandboxError as error:
        errors.print(f"practica: {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


@env_app.command("list")
def list_command() -> None:
    """List the environments that can be built or run, and the runtimes."""
    settings = _settings()
    for name in [HOST, *definition_names(settings)]:
        built = name == HOST or (rootfs_dir(settings, name) / ".practica-built").exists()
        description = "the host's /usr, read-only" if name == HOST else load_definition(settings, name).description
        print(f"{name:<12} {'built' if built else 'not built':<10} {description}")
    print("runtimes:", ", ".join(available_runtimes()))


@env_app.command()
def engine(
    state: Annotated[Path | None, typer.Option(help="Storage (default PRACTICA_HOME/podman).")] = None,
) -> None:
    """Serve the Docker Engine API with podman at PRACTICA_SANDBOX_DOCKER_URL until interrupted.

    Stopping it removes every container and volume it holds, as podman keeps a lock for each (`num_locks`).
    """
    import time

    from practica.sandbox.podman import PodmanService

    settings = _settings()
    if not settings.docker_url.startswith("unix://"):
        errors.print("practica: PRACTICA_SANDBOX_DOCKER_URL must be a unix:// socket to serve it here")
        raise typer.Exit(2)
    service = PodmanService(state or settings.home / "podman", Path(settings.docker_url.removeprefix("unix://")))
    with service:
        errors.print(f"practica: Docker Engine API (podman) at {service.url}; Ctrl-C stops it")
        try:
            while service.process and service.process.poll() is None:
                time.sleep(1)
        except KeyboardInterrupt:
            pass


def sandbox_controller(
    socket_path: Annotated[
        Path | None,
        typer.Option(
            "--socket", help="Where to listen (default PRACTICA_SANDBOX_CONTROLLER, else HOME/run/sandbox.sock)."
        ),
    ] = None,
    user: Annotated[
        str | None, typer.Option(help="The service user allowed besides root (its group may open the socket).")
    ] = None,
) -> None:
    """Drive this host's bwrap sandboxes for unprivileged processes (runs as root; `practica up` starts it)."""
    from practica.sandbox.controller import default_socket, run_controller
    from servicekit.logging import configure_logging
    from servicekit.settings import LogFormat

    settings = _settings()
    configure_logging(LogFormat.CONSOLE, "INFO", service="practica-sandbox-controller")
    try:
        asyncio.run(run_controller(settings, socket_path or default_socket(settings), user))
    except (SandboxError, KeyError, OSError) as error:
        errors.print(f"practica: {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
