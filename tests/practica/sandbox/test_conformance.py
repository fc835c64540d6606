"""The runtime contract, checked against every runtime (see ``practica.sandbox.runtime``)."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest

from practica.sandbox import (
    EndReason,
    EnvironmentNotFoundError,
    EnvironmentNotRunningError,
    ExecRequest,
    OutputChunk,
    Runtime,
    SandboxError,
    Status,
)
from practica.sandbox.docker_remote import RemoteDockerRuntime
from practica.sandbox.settings import SandboxSettings
from tests.practica.sandbox.conftest import EnvFactory

pytestmark = pytest.mark.sandbox


def sh(script: str, **options: object) -> ExecRequest:
    return ExecRequest.model_validate({"argv": ["sh", "-c", script], **options})


async def test_exec_reports_exit_code_and_both_streams(runtime: Runtime, env: str) -> None:
    result = await runtime.exec(env, sh("echo out; echo err >&2; exit 3"))
    assert (result.exit_code, result.reason, result.truncated) == (3, EndReason.EXITED, False)
    assert result.stdout == b"out\n"
    assert result.stderr == b"err\n"


def _usable(mask: int) -> set[signal.Signals]:
    """The signals in a /proc status mask that a program may handle (the C library keeps 32 and 33 for itself)."""
    return {number for number in signal.valid_signals() if mask & (1 << (number - 1))}


async def test_commands_start_with_every_signal_at_its_default(runtime: Runtime, env: str) -> None:
    """Nothing ignored or blocked: ``yes | head -1`` ends quietly, Ctrl-C reaches a learner's program."""
    status = await runtime.exec(env, ExecRequest(argv=["grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"]))
    blocked, ignored = (int(mask, 16) for mask in status.stdout.split()[1::2])
    assert (_usable(blocked), _usable(ignored)) == (set(), set()), status
    piped = await runtime.exec(env, sh("yes | head -1"))
    assert (piped.exit_code, piped.stdout, piped.stderr) == (0, b"y\n", b"")


async def test_the_streams_can_be_opened_by_name(runtime: Runtime, env: str) -> None:
    """``> /dev/stdout`` works, as in a terminal, and a descriptor can be reopened through ``/dev/fd``."""
    result = await runtime.exec(
        env, sh("echo out > /dev/stdout; echo err > /dev/stderr; exec 3>&1; echo 3 > /dev/fd/3")
    )
    assert (result.exit_code, result.stdout, result.stderr) == (0, b"out\n3\n", b"err\n"), result


async def test_stdin_env_and_cwd_reach_the_command(runtime: Runtime, env: str) -> None:
    await runtime.write_file(env, "sub/keep", b"")
    result = await runtime.exec(
        env, sh('cat; echo " $GREETING"; pwd', stdin=b"from stdin", env={"GREETING": "hello"}, cwd="/workspace/sub")
    )
    assert result.stdout == b"from stdin hello\n/workspace/sub\n"


async def test_output_streams_while_the_command_runs(runtime: Runtime, env: str) -> None:
    seen: list[tuple[float, OutputChunk]] = []
    started = time.monotonic()
    result = await runtime.exec(
        env, sh("echo first; sleep 1.5; echo second"), lambda chunk: seen.append((time.monotonic(), chunk))
    )
    assert result.reason is EndReason.EXITED
    first_at, first = seen[0]
    assert first.data.startswith(b"first")
    assert first_at - started < 1.2, "the first line arrived only at the end"
    assert b"".join(c.data for _, c in seen) == b"first\nsecond\n"


async def test_tty_gives_a_terminal_of_the_environment(runtime: Runtime, env: str) -> None:
    result = await runtime.exec(env, sh("tty; test -t 0 && echo interactive", tty=True))
    assert result.exit_code == 0, result
    assert result.stdout.replace(b"\r\n", b"\n").splitlines()[1:] == [b"interactive"]
    assert result.stdout.startswith(b"/dev/pts/")


async def test_timeout_ends_the_command_and_what_it_started(runtime: Runtime, env: str) -> None:
    result = await runtime.exec(env, sh("sleep 300 & sleep 301", timeout=1))
    assert result.reason is EndReason.TIMEOUT
    assert result.duration < 5
    left = await runtime.exec(env, sh("ps -eo args | grep -c '^sleep 30[01]' || true"))
    assert left.stdout.strip() == b"0"


async def test_background_processes_outlive_a_normal_exec(runtime: Runtime, env: str) -> None:
    started = await runtime.exec(env, sh("sleep 300 >/dev/null 2>&1 &"))
    assert started.reason is EndReason.EXITED
    assert started.duration < 2, "the exec waited for its background process"
    seen = await runtime.exec(env, sh("ps -eo args | grep -c '^sleep 300'"))
    assert seen.stdout.strip() == b"1"


async def test_files_round_trip_and_belong_to_the_environment_user(runtime: Runtime, env: str) -> None:
    await runtime.write_file(env, "/workspace/pkg/main.py", b"print('hi')\n", mode=0o755)
    assert await runtime.read_file(env, "pkg/main.py") == b"print('hi')\n"
    [entry] = await runtime.list_files(env, "pkg")
    assert (entry.name, entry.kind, entry.size, entry.mode) == ("main.py", "file", 12, 0o755)
    inside = await runtime.exec(env, sh("python3 pkg/main.py; test -O pkg/main.py && echo mine; echo made > out.txt"))
    assert inside.stdout == b"hi\nmine\n", inside
    assert await runtime.read_file(env, "out.txt") == b"made\n"


async def test_stop_keeps_files_and_resume_brings_them_back(runtime: Runtime, env: str) -> None:
    await runtime.exec(env, sh("echo kept > notes.txt"))
    stopped = await runtime.stop(env)
    assert stopped.status is Status.STOPPED
    assert (await runtime.get(env)).status is Status.STOPPED
    with pytest.raises(EnvironmentNotRunningError):
        await runtime.exec(env, sh("true"))
    assert (await runtime.stop(env)).status is Status.STOPPED  # idempotent
    resumed = await runtime.resume(env)
    assert resumed.status is Status.RUNNING
    result = await runtime.exec(env, sh("cat notes.txt"))
    assert result.stdout == b"kept\n"


async def test_resume_leaves_a_running_environment_as_it_is(runtime: Runtime, env: str) -> None:
    await runtime.exec(env, sh("sleep 300 >/dev/null 2>&1 &"))
    resumed = await runtime.resume(env)
    assert resumed.status is Status.RUNNING
    seen = await runtime.exec(env, sh("ps -eo args | grep -c '^sleep 300'"))
    assert seen.stdout.strip() == b"1", "resume restarted an environment that was running"


async def test_a_create_that_fails_after_allocating_leaves_nothing(
    runtime: Runtime, make_env: EnvFactory, sandbox_settings: SandboxSettings
) -> None:
    before_listed = await runtime.list_environments()
    before_on_disk = _on_disk(sandbox_settings)
    before_volumes = _volumes(runtime)
    # Below the engine's minimum memory (refused after the volume is made), or too small a disk for the
    # workspace's file system (mkfs fails after the id is taken).
    failing = {"memory": "4m"} if isinstance(runtime, RemoteDockerRuntime) else {"disk": "4k"}
    with pytest.raises(SandboxError):
        await make_env(**failing)
    assert await runtime.list_environments() == before_listed
    assert _on_disk(sandbox_settings) == before_on_disk
    assert _volumes(runtime) == before_volumes


def _on_disk(settings: SandboxSettings) -> set[Path]:
    home = settings.environments_home
    return set(home.iterdir()) if home.exists() else set()


def _volumes(runtime: Runtime) -> set[str]:
    """The engine's volumes, for a runtime that keeps workspaces there."""
    if not isinstance(runtime, RemoteDockerRuntime):
        return set()
    return {volume.name for volume in runtime.client.volumes.list()}


async def test_remove_deletes_everything(runtime: Runtime, make_env: EnvFactory) -> None:
    env = await make_env()
    await runtime.remove(env)
    await runtime.remove(env)  # idempotent
    with pytest.raises(EnvironmentNotFoundError):
        await runtime.get(env)
    assert env not in {info.id for info in await runtime.list_environments()}


async def test_usage_reports_memory_processes_and_disk(runtime: Runtime, env: str) -> None:
    await runtime.exec(env, sh("head -c 3000000 /dev/urandom > blob"))
    usage = await runtime.usage(env)
    assert usage.memory
    assert usage.pids
    assert usage.disk
    assert usage.memory > 0
    assert usage.pids >= 1
    assert usage.disk >= 3_000_000
    assert usage.disk_quota == 64 * 1024**2


async def test_an_environment_runs_concurrent_commands(runtime: Runtime, make_env: EnvFactory) -> None:
    """How fast they start and run is measured by ``bench/sandbox.py``, not asserted here (a busy host varies)."""
    env = await make_env()
    results = await asyncio.gather(*(runtime.exec(env, ExecRequest(argv=["sh", "-c", f"exit {n}"])) for n in range(5)))
    assert [r.exit_code for r in results] == [0, 1, 2, 3, 4]
    assert all(r.duration >= 0 for r in results)
