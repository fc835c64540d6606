"""The typed contract of the sandbox: what an environment is, what an exec asks and returns.

Everything here is data (pydantic), shared by every runtime. Sizes accept
``"256m"``-style strings at the edge and are plain byte counts inside.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)


def parse_size(value: object) -> object:
    """Turn ``"256m"``, ``"1.5G"``, ``"64KiB"`` or ``1024`` into a byte count (other values pass to pydantic)."""
    if isinstance(value, str):
        match = _SIZE.match(value)
        if not match:
            raise ValueError(f"{value!r} is not a size (e.g. 512m, 1g, 65536)")
        return int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    return value


ByteSize = Annotated[int, BeforeValidator(parse_size), Field(gt=0)]


class NetworkAccess(StrEnum):
    """``none``: loopback only. ``egress``: a user-mode network of its own that never reaches the host's loopback."""

    NONE = "none"
    EGRESS = "egress"


class ResourceLimits(BaseModel):
    """Resource limits of one environment (every exec in it shares memory, pids and CPU)."""

    model_config = ConfigDict(frozen=True)

    memory: ByteSize = Field(512 * 1024**2, description="Memory (RAM, no swap) for all processes together.")
    pids: int = Field(256, ge=8, le=65536, description="Processes and threads at once.")
    cpus: float = Field(1.0, gt=0, le=64, description="CPU bandwidth, in cores.")
    cpu_time: int | None = Field(None, ge=1, description="CPU seconds one process may use (RLIMIT_CPU); unset: none.")
    file_size: ByteSize = Field(256 * 1024**2, description="Largest file a process may write (RLIMIT_FSIZE).")
    disk: ByteSize = Field(1024**3, description="Workspace quota, and the size of /tmp.")
    wall_timeout: float = Field(60.0, gt=0, le=86400, description="Default wall-clock limit of one exec, seconds.")
    output: ByteSize = Field(1024**2, description="Output (stdout + stderr) one exec may produce before it is ended.")


class EnvironmentSpec(BaseModel):
    """What to start: which environment (image), its network policy and its limits."""

    model_config = ConfigDict(frozen=True)

    environment: str = Field("host", pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    network: NetworkAccess = NetworkAccess.NONE
    limits: ResourceLimits = Field(default_factory=ResourceLimits)
    published_ports: tuple[Annotated[int, Field(ge=1, le=65535)], ...] = Field(
        (), max_length=8, description="Ports a learner's server may listen on, reachable through the gateway."
    )
    labels: dict[str, str] = Field(default_factory=dict, description="Free-form tags (owner, lesson), kept in state.")


class Status(StrEnum):
    RUNNING = "running"
    STOPPED = "stopped"


class EnvironmentInfo(BaseModel):
    """What a runtime knows of one environment; persisted beside its workspace."""

    id: str
    runtime: str
    spec: EnvironmentSpec
    status: Status
    uid: int = Field(description="Host uid that owns the workspace and every process of the environment.")
    created_at: datetime


class ExecRequest(BaseModel):
    """One command to run inside a running environment."""

    model_config = ConfigDict(frozen=True)

    argv: list[str] = Field(min_length=1)
    stdin: bytes | None = None
    timeout: float | None = Field(None, gt=0, le=86400, description="Wall clock; unset: the spec's wall_timeout.")
    tty: bool = False
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str = "/workspace"


class EndReason(StrEnum):
    EXITED = "exited"
    TIMEOUT = "timeout"
    OOM = "oom"
    OUTPUT_LIMIT = "output_limit"
    KILLED = "killed"
    INFRASTRUCTURE_ERROR = "infrastructure_error"


class OutputChunk(BaseModel):
    model_config = ConfigDict(frozen=True)

    stream: Literal["stdout", "stderr"]
    data: bytes


class ExecResult(BaseModel):
    """How an exec ended. ``exit_code`` follows the shell: 128 + N when killed by signal N."""

    exit_code: int
    reason: EndReason
    truncated: bool = False
    duration: float
    stdout: bytes = b""
    stderr: bytes = b""
    detail: str = ""


class FileKind(StrEnum):
    FILE = "file"
    DIRECTORY = "directory"
    SYMLINK = "symlink"
    OTHER = "other"


class FileEntry(BaseModel):
    name: str
    kind: FileKind
    size: int
    mode: int
    modified: float


class ChangeKind(StrEnum):
    """What happened to a path of a workspace (see ``Runtime.watch_files``)."""

    MODIFIED = "modified"
    CREATED = "created"
    DELETED = "deleted"
    MOVED = "moved"  # moved away from ``path`` (where it went comes as ``created``)
    OVERFLOW = "overflow"  # changes were missed: re-read what you show (``path`` is empty)


class FileChange(BaseModel):
    path: str
    kind: ChangeKind


class Usage(BaseModel):
    """A snapshot of what an environment uses now (``None``: this runtime cannot tell)."""

    memory: int | None = None
    memory_limit: int | None = None
    pids: int | None = None
    cpu_seconds: float | None = None
    disk: int | None = None
    disk_quota: int | None = None
