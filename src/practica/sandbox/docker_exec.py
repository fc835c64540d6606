"""One exec through the Docker Engine API: attach a raw socket, stream it, end it on timeout or cap.

The ``docker`` package is synchronous: a thread reads the exec's socket
(multiplexed frames, or raw bytes under a TTY) and hands chunks to the event
loop. The Engine API cannot kill one exec, so on timeout or output cap the
runtime ends every process of the learner in the container (``kill -9 -1``
as the environment's uid) and starts the container again if that ended it.
"""

from __future__ import annotations

import asyncio
import io
import os
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import suppress
from typing import Any, TypeVar

from practica.sandbox.output import OutputSink, Stream
from practica.sandbox.spec import EndReason, ExecRequest, ExecResult

T = TypeVar("T")

_STREAMS: dict[int, Stream] = {1: "stdout", 2: "stderr"}
OOM_COUNTERS = "cat /sys/fs/cgroup/memory.events /sys/fs/cgroup/memory/memory.oom_control 2>/dev/null"


def raw_socket(attached: Any) -> socket.socket:
    return attached._sock if hasattr(attached, "_sock") else attached  # type: ignore[no-any-return]


def output_frames(attached: Any, tty: bool) -> Iterator[tuple[int, bytes]]:
    """(stream number, bytes) of an attached exec, until it ends.

    Read through the HTTP response's own buffered reader, not the bare socket
    the ``docker`` package hands out: the read of the upgrade's headers may
    have taken the first frames into that buffer (a quick command's whole
    output, when the engine is fast and this process slow), and a read of the
    socket never sees them. That lost short commands' output under load.
    """
    from docker.utils.socket import frames_iter

    buffered = _buffered_reader(attached)
    if buffered is None:
        yield from frames_iter(attached, tty)
        return
    if tty:
        while chunk := buffered.read1(65536):
            yield 1, chunk
        return
    while len(header := buffered.read(8)) == 8:
        number, size = struct.unpack(">BxxxL", header)
        payload = buffered.read(size)
        if payload:
            yield number, payload
        if len(payload) < size:
            return


def _buffered_reader(attached: Any) -> io.BufferedReader | None:
    """The buffered reader the HTTP response read its headers with (the ``docker`` package keeps the response)."""
    response = getattr(attached, "_response", None)
    reader = getattr(getattr(getattr(response, "raw", None), "_fp", None), "fp", None)
    return reader if isinstance(reader, io.BufferedReader) else None


def _pump_socket(attached: Any, tty: bool, stdin: bytes | None, deliver: Any) -> None:
    """Thread body: send stdin, then read frames until the exec's stream ends."""
    raw = raw_socket(attached)
    raw.settimeout(None)  # the client's request timeout must not end a quiet, long command
    try:
        if stdin is not None:
            raw.sendall(stdin)
            raw.shutdown(socket.SHUT_WR)
        for number, data in output_frames(attached, tty):
            deliver(_STREAMS.get(number, "stdout"), data)
    except (OSError, ValueError):  # ValueError: close_attached closed the socket under a read (a timeout)
        pass
    finally:
        deliver(None, b"")


def in_own_thread(function: Callable[..., T], *args: Any) -> asyncio.Future[T]:
    """Run a blocking read that lasts as long as a stream does in a thread of its own.

    Not in the loop's default executor: it has a handful of threads (cores + 4), and a few open terminals
    reading there would leave none for anything else of the process (every other call then waits).
    """
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def fail(error: BaseException) -> None:
        if not future.done():
            future.set_exception(error)

    def succeed(result: T) -> None:
        if not future.done():
            future.set_result(result)

    def run() -> None:
        try:
            result = function(*args)
        except BaseException as error:
            with suppress(RuntimeError):  # the loop closed meanwhile: nobody waits any more
                loop.call_soon_threadsafe(fail, error)  # handed to whoever awaits the future
        else:
            with suppress(RuntimeError):
                loop.call_soon_threadsafe(succeed, result)

    threading.Thread(target=run, name=f"stream-{getattr(function, '__name__', 'reader')}", daemon=True).start()
    return future


def close_attached(attached: Any) -> None:
    """Close an exec's socket now: over TLS the response's file objects would otherwise keep it open."""
    raw = raw_socket(attached)
    with suppress(OSError):
        raw.shutdown(socket.SHUT_RDWR)  # wakes the reading thread
    attached.close()
    raw.close()
    if raw.fileno() != -1:  # a file object made from it still counts: the descriptor waits for it
        os.close(raw.detach())


OutputQueue = asyncio.Queue[tuple[Stream | None, bytes]]
Deliver = Callable[[Stream | None, bytes], None]


def deliverer(queue: OutputQueue) -> Deliver:
    """A function a reading thread hands output to (``None``: the end), queued on this event loop."""
    loop = asyncio.get_running_loop()

    def deliver(stream: Stream | None, data: bytes) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, (stream, data))

    return deliver


async def consume_output(sink: OutputSink, queue: OutputQueue, seconds: float) -> EndReason:
    """Feed ``sink`` until the end of the output, the timeout or the output cap: EXITED, TIMEOUT or OUTPUT_LIMIT."""

    async def consume() -> None:
        while True:
            stream, data = await queue.get()
            if stream is None:
                return
            await sink.feed(stream, data)
            if sink.limit_reached.is_set():
                return

    reason = EndReason.EXITED
    try:
        await asyncio.wait_for(consume(), seconds)
    except TimeoutError:
        reason = EndReason.TIMEOUT
    if sink.limit_reached.is_set():
        reason = EndReason.OUTPUT_LIMIT
    return reason


def result_of(sink: OutputSink, code: int, reason: EndReason, duration: float) -> ExecResult:
    return ExecResult(
        exit_code=code,
        reason=reason,
        truncated=sink.truncated,
        duration=duration,
        stdout=bytes(sink.kept["stdout"]),
        stderr=bytes(sink.kept["stderr"]),
    )


class DockerExecution:
    def __init__(self, api: Any, container_id: str, user: str, request: ExecRequest, sink: OutputSink) -> None:
        self.api = api
        self.container_id = container_id
        self.user = user
        self.request = request
        self.sink = sink

    def _create(self) -> str:
        created = self.api.exec_create(
            self.container_id,
            self.request.argv,
            stdin=self.request.stdin is not None,
            tty=self.request.tty,
            user=self.user,
            workdir=self.request.cwd,
            environment={"TERM": "xterm-256color"} | self.request.env if self.request.tty else self.request.env,
        )
        return str(created["Id"])

    async def run(self, seconds: float, kill_all: Any) -> tuple[ExecResult, str]:
        loop = asyncio.get_running_loop()
        started = loop.time()
        exec_id = await asyncio.to_thread(self._create)
        attached = await asyncio.to_thread(self.api.exec_start, exec_id, socket=True, tty=self.request.tty)
        queue: OutputQueue = asyncio.Queue()
        deliver = deliverer(queue)
        reader = in_own_thread(_pump_socket, attached, self.request.tty, self.request.stdin, deliver)
        reason = await consume_output(self.sink, queue, seconds)
        if reason is not EndReason.EXITED:
            await kill_all()
        close_attached(attached)
        await reader
        code = await asyncio.to_thread(self._exit_code, exec_id)
        return result_of(self.sink, code, reason, loop.time() - started), exec_id

    def _exit_code(self, exec_id: str) -> int:
        import docker.errors

        for _ in range(200):
            try:
                state = self.api.exec_inspect(exec_id)
            except docker.errors.NotFound:  # the container was restarted to end a runaway exec
                return 137
            if not state.get("Running"):
                code = state.get("ExitCode")
                return int(code) if code is not None else 137
            time.sleep(0.01)
        return 137
