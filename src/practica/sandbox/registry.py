"""Runtimes by name. One setting (``PRACTICA_SANDBOX_RUNTIME``) picks one; the rest of Practica asks here.

Built-in runtimes are listed below; with ``PRACTICA_SANDBOX_CONTROLLER`` set, ``bwrap`` is reached
through the sandbox controller's socket (:mod:`practica.sandbox.controller_client`); others can register through the
``practica.sandbox.runtimes`` entry-point group (a callable taking
:class:`SandboxSettings` and returning a :class:`Runtime`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import cast

from practica.sandbox.runtime import Runtime, SandboxError
from practica.sandbox.settings import SandboxSettings

RuntimeFactory = Callable[[SandboxSettings], Runtime]
BUILT_IN = {
    "bwrap": "practica.sandbox.bwrap:BwrapRuntime",
    "docker": "practica.sandbox.docker_runtime:DockerRuntime",
}
CONTROLLED = "practica.sandbox.controller_client:ControllerRuntime"
ENTRY_POINT_GROUP = "practica.sandbox.runtimes"


def _load(target: str) -> RuntimeFactory:
    module, _, attribute = target.partition(":")
    return cast(RuntimeFactory, getattr(importlib.import_module(module), attribute))


def available_runtimes() -> list[str]:
    return sorted({*BUILT_IN, *(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))})


def create_runtime(settings: SandboxSettings, name: str | None = None) -> Runtime:
    """Build the runtime ``name`` (default: the configured one); may raise :class:`RuntimeUnavailableError`."""
    chosen = name or settings.runtime
    if chosen == "bwrap" and settings.controller is not None:
        factory = _load(CONTROLLED)  # this process is unprivileged: the controller drives bwrap for it
    elif chosen in BUILT_IN:
        factory = _load(BUILT_IN[chosen])
    else:
        found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == chosen]
        if not found:
            raise SandboxError(f"unknown sandbox runtime {chosen!r} (known: {', '.join(available_runtimes())})")
        factory = cast(RuntimeFactory, found[0].load())
    runtime = factory(settings)
    if not isinstance(runtime, Runtime):
        raise SandboxError(f"{chosen!r} does not implement practica.sandbox.Runtime")
    return runtime
