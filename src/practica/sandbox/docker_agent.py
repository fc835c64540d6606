"""The docker runtime's exec agent: one engine exec per container, then a command in a few milliseconds.

An exec through the Docker Engine API costs ~80 ms on podman (a monitor and
an OCI runtime process per exec). The agent (``exec-agent/``, a static Go
program built next to this module by ``make setup``) is bind-mounted
read-only into every container; the runtime starts it with one exec, as the
environment's user, and then sends it one command after another over that
exec's stdin (the protocol is in ``exec-agent/main.go``). A command costs the
agent's fork and exec, and a round trip through the engine's stream.

Sessions are kept per container (a few idle at most, closed after a minute
unused; each holds an exec of the engine). The learner can end an agent like
any of their processes: a session found dead before its command started is
replaced and the command sent again; one that dies while its command runs
reports the command killed (137), as a plain exec whose process was killed
does. Without the binary (not built), the runtime uses plain execs.
"""

from __future__ import annotations

import asyncio
import base64
import json
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any

import structlog

from practica.sandbox.bwrap_args import HOME
from practica.sandbox.docker_exec import (
    Deliver,
    OutputQueue,
    close_attached,
    consume_output,
    deliverer,
    in_own_thread,
    output_frames,
    raw_socket,
    result_of,
)
from practica.sandbox.output import OutputSink
from practica.sandbox.seccomp import replace_file
from practica.sandbox.spec import EndReason, ExecRequest, ExecResult

BUILT_AGENT = Path(__file__).with_name("exec-agent")
AGENT_IN_CONTAINER = "/.practica/exec-agent"
MAX_IDLE_SESSIONS = 2  # per container
IDLE_SECONDS = 60.0
KILLED = 137
log = structlog.get_logger(__name__)


def install_agent(home: Path) -> Path | None:
    """The agent copied under ``home`` (the engine resolves bind mounts on its host: PRACTICA_HOME is shared
    with it, the package's own directory may not be); None when it was not built."""
    if not BUILT_AGENT.is_file():
        log.warning("sandbox.exec_agent_missing", path=str(BUILT_AGENT), hint="make setup builds it")
        return None
    path = replace_file(home / "sandbox" / "exec-agent", BUILT_AGENT.read_bytes())
    path.chmod(0o755)
    return path


class AgentGoneError(Exception):
    """The session ended before its command started: send the command to another session."""


class AgentLostError(Exception):
    """The session ended while its command ran: how the command ended is unknown."""


class AgentSession:
    """One running agent (an exec of the engine) in one container; one command at a time."""

    def __init__(self, api: Any, container_id: str, user: str) -> None:
        created = api.exec_create(container_id, [AGENT_IN_CONTAINER], stdin=True, tty=False, user=user, workdir=HOME)
        self.attached = api.exec_start(created["Id"], socket=True)
        raw_socket(self.attached).settimeout(None)
        self.frames = output_frames(self.attached, tty=False)
        self.pending = bytearray()
        self.complaint = b""
        self.ended = False  # the agent's stream ended: the session is of no more use
        self.closed = False
        self.used_at = time.monotonic()

    def run(self, request: ExecRequest, deliver: Deliver) -> int:
        """Run ``request``, handing its output to ``deliver``; its exit code (the shell's convention)."""
        self._send(request)
        started = False
        while True:
            kind, payload = self._frame(started)
            if kind == b"S":
                started = True
            elif kind in (b"O", b"E"):
                deliver("stdout" if kind == b"O" else "stderr", payload)
            elif kind == b"F":
                deliver("stderr", b"practica: " + payload + b"\n")
                started = True
            elif kind == b"X":
                self.used_at = time.monotonic()
                return int(struct.unpack(">i", payload)[0])

    def file_operation(self, request: dict[str, Any]) -> tuple[dict[str, Any], bytes | None]:
        """One file operation (``exec-agent/files.go``): its JSON answer, and a read's bytes."""
        self._send_body(json.dumps(request).encode())
        data = None
        while True:
            kind, payload = self._frame(started=False)
            if kind == b"D":
                data = payload
            elif kind == b"J":
                self.used_at = time.monotonic()
                answer: dict[str, Any] = json.loads(payload)
                return answer, data

    def dial(self, port: int) -> bytes | None:
        """Make this session a relay to ``port`` inside the container: the relay's first bytes, or None when
        nothing answers there (the session is then still a session). A relay's stream is raw from here on."""
        self._send_body(json.dumps({"op": "dial", "port": port}).encode())
        kind, payload = self._frame(started=False)
        if kind != b"J":
            raise AgentGoneError(f"the exec agent answered a dial with {kind!r}")
        if json.loads(payload).get("error"):
            return None
        first, self.pending = bytes(self.pending), bytearray()
        return first

    def _send(self, request: ExecRequest) -> None:
        stdin = base64.b64encode(request.stdin).decode() if request.stdin is not None else None
        self._send_body(
            json.dumps({"argv": request.argv, "env": request.env, "cwd": request.cwd, "stdin": stdin}).encode()
        )

    def _send_body(self, body: bytes) -> None:
        try:
            raw_socket(self.attached).sendall(struct.pack(">I", len(body)) + body)
        except OSError as error:
            raise AgentGoneError(str(error)) from None

    def _frame(self, started: bool) -> tuple[bytes, bytes]:
        header = self._read(5, started)
        kind, size = struct.unpack(">cI", header)
        return kind, self._read(size, started)

    def _read(self, size: int, started: bool) -> bytes:
        while len(self.pending) < size:
            try:
                number, data = next(self.frames)
            except (StopIteration, OSError, ValueError):
                self.ended = True
                why = self.complaint.decode(errors="replace").strip() or "killed, or its container stopped"
                raise (AgentLostError if started else AgentGoneError)(f"the exec agent ended: {why}") from None
            if number == 1:  # the agent's stdout carries the frames
                self.pending += data
            else:  # its own stderr: why it stopped
                self.complaint = (self.complaint + data)[-500:]
        chunk = bytes(self.pending[:size])
        del self.pending[:size]
        return chunk

    @property
    def usable(self) -> bool:
        return not (self.ended or self.closed)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            with suppress(OSError):
                close_attached(self.attached)


class AgentPool:
    """Idle agent sessions per container, shared by the runtime's threads."""

    def __init__(self, api: Any) -> None:
        self.api = api
        self.idle: dict[str, list[AgentSession]] = {}
        self.lock = threading.Lock()

    def take(self, container_id: str, user: str) -> AgentSession:
        with self.lock:
            sessions = self.idle.get(container_id, [])
            while sessions:
                session = sessions.pop()
                if session.usable:
                    return session
                session.close()
        return AgentSession(self.api, container_id, user)

    def give_back(self, container_id: str, session: AgentSession) -> None:
        stale: list[AgentSession] = []
        with self.lock:
            sessions = self.idle.setdefault(container_id, [])
            if not session.usable or len(sessions) >= MAX_IDLE_SESSIONS:
                stale.append(session)
            else:
                sessions.append(session)
            stale += self._expired()
        for old in stale:
            old.close()

    def _expired(self) -> Iterator[AgentSession]:
        """Sessions unused for a minute, taken out of the pool (under the lock)."""
        now = time.monotonic()
        for container_id, sessions in list(self.idle.items()):
            keep = [session for session in sessions if now - session.used_at < IDLE_SECONDS]
            yield from (session for session in sessions if session not in keep)
            if keep:
                self.idle[container_id] = keep
            else:
                del self.idle[container_id]

    def forget(self, container_id: str) -> None:
        """Close the container's idle sessions (it stopped, or its processes were all killed)."""
        with self.lock:
            sessions = self.idle.pop(container_id, [])
        for session in sessions:
            session.close()

    def close(self) -> None:
        for container_id in list(self.idle):
            self.forget(container_id)


class AgentExecution:
    """One command through the container's agent (the counterpart of :class:`DockerExecution`)."""

    def __init__(self, pool: AgentPool, container_id: str, user: str, request: ExecRequest, sink: OutputSink) -> None:
        self.pool = pool
        self.container_id = container_id
        self.user = user
        self.request = request
        self.sink = sink
        self.session: AgentSession | None = None

    async def run(self, seconds: float, kill_all: Any) -> ExecResult:
        loop = asyncio.get_running_loop()
        started = loop.time()
        queue: OutputQueue = asyncio.Queue()
        reader = in_own_thread(self._run_in_thread, deliverer(queue))
        reason = await consume_output(self.sink, queue, seconds)
        if reason is not EndReason.EXITED:
            await kill_all()  # ends the agent too (the learner's processes, its own included)
            self.pool.forget(self.container_id)
            if self.session is not None:
                self.session.close()
        try:
            code = await reader
        except AgentGoneError as error:
            detail = f"{error} (the container may lack {AGENT_IN_CONTAINER})"
            return ExecResult(
                exit_code=125, reason=EndReason.INFRASTRUCTURE_ERROR, duration=loop.time() - started, detail=detail
            )
        return result_of(self.sink, code, reason, loop.time() - started)

    def _run_in_thread(self, deliver: Deliver) -> int:
        try:
            return self._run_on_a_session(deliver)
        finally:
            deliver(None, b"")

    def _run_on_a_session(self, deliver: Deliver) -> int:
        for _attempt in range(3):
            self.session = session = self.pool.take(self.container_id, self.user)
            try:
                code = session.run(self.request, deliver)
            except AgentGoneError:
                session.close()
                continue
            except AgentLostError:
                session.close()
                return KILLED
            self.pool.give_back(self.container_id, session)
            return code
        raise AgentGoneError("the exec agent ended three times before its command started")
