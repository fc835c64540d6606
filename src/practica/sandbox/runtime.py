"""The one interface every sandbox runtime implements, and the errors it raises.

Lifecycle of an environment (every runtime keeps these rules)::

    create(spec) ──> RUNNING ──stop()──> STOPPED ──resume()──> RUNNING
                        │                   │
                        └──────remove()─────┴──> gone (workspace deleted)

- ``create`` allocates an id, an unprivileged host uid and a workspace (with
  its disk quota), starts the environment and returns it RUNNING.
- ``exec`` runs one command in a RUNNING environment: stdin, a wall-clock
  timeout (the request's or the spec's ``wall_timeout``), optional TTY,
  output streamed to ``on_output`` as it comes, capped at the spec's
  ``output`` limit. It never raises for what the command does: the result's
  ``reason`` says why it ended (exited, timeout, oom, output_limit, killed,
  infrastructure_error). Processes the command leaves in the background keep
  running (like ``docker exec``) unless the exec ended by timeout or output
  limit; then they are ended too.
- ``create`` takes an optional id (16 hex digits, from
  :func:`practica.sandbox.store.new_environment_id`) so that a caller can
  name an environment before it exists (the lifecycle jobs do); an id in use
  raises :class:`SandboxError`.
- File operations (``read_file``, ``write_file``, ``list_files``,
  ``delete_file``, ``rename_file``) take paths relative to the workspace
  (``/workspace/...`` is accepted) and work on a RUNNING environment. They
  never follow a symlink out of the workspace (absolute links, ``..`` past
  the top): :class:`PathRefusedError`. A file's version is the SHA-256 of
  its bytes (``version_of``); ``write_file`` may be made conditional on it.
  ``watch_files`` streams what changes in the workspace. ``delete_file`` and ``rename_file``
  act on a symlink itself, never on its target.
- ``open_terminal`` starts an interactive login shell on a pseudo-terminal of
  the environment (``TERM=xterm-256color``, no wall-clock limit, the
  environment's other limits) and returns a :class:`Terminal`. The shell
  ends when it exits, when the terminal is closed (a hangup, as when a
  terminal window closes: what it started with ``nohup`` or ``setsid`` stays)
  or when the environment stops.
- ``connect_port`` opens a TCP connection to ``127.0.0.1:PORT`` inside the
  environment's own network namespace (what a learner's server listens on),
  whatever the network policy; :class:`PortUnreachableError` when nothing
  listens. Which ports may be reached is the caller's decision (the gateway
  allows the spec's ``published_ports``).
- ``stop`` ends every process and releases memory, keeping the files;
  ``resume`` starts it again with the same files, uid and limits. Both are
  idempotent. ``remove`` stops and deletes everything, also idempotent.
- State lives on disk under ``PRACTICA_HOME/environments/<id>``: a new
  runtime object (another process, after a restart) sees the same
  environments. A process that dies takes its environments' processes with it
  (they become STOPPED); their files stay.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Protocol, runtime_checkable

from practica.sandbox.spec import (
    EnvironmentInfo,
    EnvironmentSpec,
    ExecRequest,
    ExecResult,
    FileChange,
    FileEntry,
    OutputChunk,
    Usage,
)

OutputCallback = Callable[[OutputChunk], Awaitable[None] | None]


class SandboxError(Exception):
    """Base of the errors a runtime raises (never for what a command inside does)."""


class EnvironmentNotFoundError(SandboxError):
    pass


class EnvironmentNotRunningError(SandboxError):
    pass


class VersionConflictError(SandboxError):
    """A conditional write found another version of the file than the one it was told about.

    ``current`` is the version on disk (:func:`practica.sandbox.files.version_of`), None when it is missing.
    """

    def __init__(self, path: str, current: str | None) -> None:
        super().__init__(f"{path!r} changed since that version was read")
        self.current = current


class PathRefusedError(SandboxError):
    """A file path leaves the workspace (``..``, absolute symlink) or names something that is not allowed."""


class RuntimeUnavailableError(SandboxError):
    """The host lacks what this runtime needs (a tool, root, cgroups, an engine socket)."""


class ImageMissingError(SandboxError):
    """The environment is not built for this runtime (``practica env build NAME``)."""


class PortUnreachableError(SandboxError):
    """Nothing listens on that port inside the environment."""


class Terminal(Protocol):
    """An interactive shell on a pseudo-terminal inside an environment (see ``Runtime.open_terminal``)."""

    async def read(self) -> bytes:
        """The next output (as it comes, at most 64 KiB); ``b""`` once the shell has ended."""
        ...

    async def write(self, data: bytes) -> None:
        """Keystrokes for the shell (waits while the terminal's input buffer is full)."""
        ...

    async def resize(self, cols: int, rows: int) -> None:
        """Set the window size (the shell gets SIGWINCH)."""
        ...

    async def close(self) -> None:
        """Hang up: the shell ends; idempotent."""
        ...


@runtime_checkable
class Runtime(Protocol):
    """A place where environments run (bubblewrap on this host, a Docker Engine, ...)."""

    name: str

    async def create(self, spec: EnvironmentSpec, env_id: str | None = None) -> EnvironmentInfo:
        """Allocate and start a new environment (with ``env_id`` when given); return it RUNNING."""
        ...

    async def get(self, env_id: str) -> EnvironmentInfo:
        """The environment's current state (raises :class:`EnvironmentNotFoundError`)."""
        ...

    async def list_environments(self) -> list[EnvironmentInfo]:
        """Every environment of this runtime on this host."""
        ...

    async def exec(self, env_id: str, request: ExecRequest, on_output: OutputCallback | None = None) -> ExecResult:
        """Run one command; stream its output; return how it ended."""
        ...

    async def read_file(self, env_id: str, path: str) -> bytes: ...

    async def write_file(
        self,
        env_id: str,
        path: str,
        data: bytes,
        mode: int = 0o644,
        *,
        if_match: str | None = None,
        create_only: bool = False,
    ) -> str:
        """Create or replace a file (parent directories are created), owned by the environment's user.

        ``if_match``: write only when the file's version is still that one; ``create_only``: only when it
        does not exist. Otherwise :class:`VersionConflictError`, nothing written. Returns the new version.
        """
        ...

    def watch_files(self, env_id: str) -> AsyncGenerator[list[FileChange]]:
        """Batches of changes to the workspace of a RUNNING environment, whoever made them.

        Recursive, coalesced (a batch at most every ~0.1 s, one entry per path), bounded
        (too many changes or directories come as an ``overflow`` change); the iterator ends when
        the environment stops. Close it (``aclose``) to release the watch.
        """
        ...

    async def list_files(self, env_id: str, path: str = ".") -> list[FileEntry]: ...

    async def delete_file(self, env_id: str, path: str) -> None:
        """Delete a file, a symlink or a directory with everything in it."""
        ...

    async def rename_file(self, env_id: str, source: str, target: str) -> None:
        """Move or rename (parent directories of ``target`` are created; a file there is replaced)."""
        ...

    async def open_terminal(self, env_id: str, cols: int = 80, rows: int = 24) -> Terminal:
        """Start a login shell on a new pseudo-terminal of a RUNNING environment."""
        ...

    async def connect_port(self, env_id: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """A TCP connection to ``127.0.0.1:port`` inside a RUNNING environment (a few seconds to connect)."""
        ...

    async def usage(self, env_id: str) -> Usage: ...

    async def stop(self, env_id: str) -> EnvironmentInfo: ...

    async def resume(self, env_id: str) -> EnvironmentInfo: ...

    async def remove(self, env_id: str) -> None: ...

    async def close(self) -> None:
        """Release the runtime's own resources (connections); environments are left as they are."""
        ...
