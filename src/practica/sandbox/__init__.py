"""Learner environments: real, isolated Unix machines on demand, behind one :class:`Runtime` interface.

This is the isolation engine only: it imports no database and no job queue
(an import-linter contract says so). Who has which environment, and the jobs
that start and stop them, are :mod:`practica.environments`.
"""

from practica.sandbox.registry import available_runtimes, create_runtime
from practica.sandbox.runtime import (
    EnvironmentNotFoundError,
    EnvironmentNotRunningError,
    ImageMissingError,
    OutputCallback,
    PathRefusedError,
    PortUnreachableError,
    Runtime,
    RuntimeUnavailableError,
    SandboxError,
    Terminal,
)
from practica.sandbox.spec import (
    EndReason,
    EnvironmentInfo,
    EnvironmentSpec,
    ExecRequest,
    ExecResult,
    FileEntry,
    NetworkAccess,
    OutputChunk,
    ResourceLimits,
    Status,
    Usage,
)

__all__ = [
    "EndReason",
    "EnvironmentInfo",
    "EnvironmentNotFoundError",
    "EnvironmentNotRunningError",
    "EnvironmentSpec",
    "ExecRequest",
    "ExecResult",
    "FileEntry",
    "ImageMissingError",
    "NetworkAccess",
    "OutputCallback",
    "OutputChunk",
    "PathRefusedError",
    "PortUnreachableError",
    "ResourceLimits",
    "Runtime",
    "RuntimeUnavailableError",
    "SandboxError",
    "Status",
    "Terminal",
    "Usage",
    "available_runtimes",
    "create_runtime",
]
