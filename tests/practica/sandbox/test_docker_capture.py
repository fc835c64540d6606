"""The docker runtime reads back what the engine's attach stream lost (podman issue #9096).

A loaded podman ended an exec's stream early: ``echo out`` came back as
exit 0 with nothing on stdout. These tests lose the stream on purpose, with
the real engine: the execution stops reading its socket at once (or after
the first chunk), as the engine did, and the result must still hold all of
the command's output.
"""

from __future__ import annotations

import asyncio
import io
import tarfile
from collections.abc import AsyncIterator
from typing import Any

import pytest

from practica.sandbox import EnvironmentSpec, ExecRequest, Runtime, create_runtime
from practica.sandbox.docker_capture import CAPTURE_ROOT, Capture, _bounded, _regular_files
from practica.sandbox.docker_exec import DockerExecution
from practica.sandbox.docker_runtime import DockerRuntime
from practica.sandbox.output import OutputSink, Stream
from practica.sandbox.settings import SandboxSettings
from practica.sandbox.spec import EndReason
from tests.practica.sandbox.conftest import TEST_LIMITS


class LosingExecution(DockerExecution):
    """An execution whose stream ends after ``keep`` chunks, whatever the command still writes."""

    keep = 0

    async def _consume(self, queue: asyncio.Queue[tuple[Stream | None, bytes]]) -> None:
        for _ in range(self.keep):
            stream, data = await queue.get()
            if stream is None:
                return
            await self.sink.feed(stream, data)


@pytest.fixture(scope="module")
async def docker(podman_url: str, sandbox_settings: SandboxSettings) -> AsyncIterator[DockerRuntime]:
    made = create_runtime(sandbox_settings.model_copy(update={"docker_url": podman_url}), "docker")
    assert isinstance(made, DockerRuntime)
    yield made
    for info in await made.list_environments():
        await made.remove(info.id)
    await made.close()


@pytest.fixture
async def container(docker: DockerRuntime) -> AsyncIterator[tuple[DockerRuntime, str, Any, str]]:
    info = await docker.create(EnvironmentSpec(environment="host", limits=TEST_LIMITS))
    _info, running = await docker._running_info(info.id)
    yield docker, info.id, running, f"{info.uid}:{info.uid}"
    await docker.remove(info.id)


async def _run_losing(
    setup: tuple[DockerRuntime, str, Any, str], script: str, keep: int = 0, cap: int = 256 * 1024
) -> Any:
    docker, _env_id, running, user = setup
    request = ExecRequest(argv=["sh", "-c", script])
    execution = LosingExecution(docker.client.api, running.id, user, request, OutputSink(cap, None))
    execution.keep = keep

    async def kill_all() -> None:
        await docker._kill_all(running, user)

    result, _exec_id = await execution.run(20, kill_all)
    return result


async def test_output_a_lost_stream_never_delivered_is_read_back(container: Any) -> None:
    result = await _run_losing(container, "sleep 0.5; echo out; echo err >&2; exit 3")
    assert (result.exit_code, result.reason, result.truncated) == (3, EndReason.EXITED, False)
    assert (result.stdout, result.stderr) == (b"out\n", b"err\n")


async def test_the_end_of_a_stream_cut_short_is_read_back(container: Any) -> None:
    script = "echo first; sleep 0.5; seq 1 20000; echo last >&2"
    result = await _run_losing(container, script, keep=1)
    assert result.stdout == b"first\n" + "".join(f"{n}\n" for n in range(1, 20001)).encode()
    assert result.stderr == b"last\n"


async def test_output_read_back_past_the_cap_is_truncated_as_streamed_output_is(container: Any) -> None:
    result = await _run_losing(container, "seq 1 100000", cap=1000)
    assert (result.reason, result.truncated) == (EndReason.OUTPUT_LIMIT, True)
    assert result.stdout.startswith(b"1\n2\n3\n")
    assert b"[practica: output truncated after 1000 bytes]" in result.stdout


async def test_each_exec_removes_the_copies_before_it(container: Any) -> None:
    docker, env_id, _running, _user = container
    for _ in range(3):
        assert (await docker.exec(env_id, ExecRequest(argv=["echo", "hi"]))).stdout == b"hi\n"
    listing = await docker.exec(env_id, ExecRequest(argv=["ls", "-A", CAPTURE_ROOT], tty=True))  # a tty: no copy
    assert len(listing.stdout.split()) == 1, f"only the last exec's copy stays: {listing.stdout!r}"


async def test_an_exec_whose_streams_a_background_process_holds_still_ends(docker: Runtime, container: Any) -> None:
    _docker, env_id, _running, _user = container
    result = await docker.exec(env_id, ExecRequest(argv=["sh", "-c", "echo started; sleep 300 &"], timeout=15))
    assert (result.reason, result.stdout) == (EndReason.EXITED, b"started\n")
    assert result.duration < 10


def _archive(members: dict[str, bytes], link: str | None = None) -> bytes:
    packed = io.BytesIO()
    with tarfile.open(fileobj=packed, mode="w") as tar:
        for name, data in members.items():
            entry = tarfile.TarInfo(f"copy/{name}")
            entry.size = len(data)
            tar.addfile(entry, io.BytesIO(data))
        if link is not None:
            entry = tarfile.TarInfo("copy/stdout.link")
            entry.type, entry.linkname = tarfile.SYMTYPE, link
            tar.addfile(entry)
    return packed.getvalue()


def test_only_regular_files_are_read_from_the_copy() -> None:
    files = _regular_files(_archive({"stdout": b"out", "stderr.done": b""}, link="/etc/shadow"))
    assert files == {"stdout": b"out", "stderr.done": b""}


def test_a_copy_grown_past_its_budget_is_not_read() -> None:
    capture = Capture(cap=1000)
    archive = _archive({"stdout": b"x" * (capture.budget + 1)})
    assert _bounded(iter([archive[:4096], archive[4096:]]), capture.budget) is None
    assert _bounded(iter([archive]), len(archive)) == archive
