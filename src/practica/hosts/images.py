"""Built environments on eval hosts: each host's engine gets the image of every environment built here.

``practica env build`` makes an environment's root file system on this
machine (and imports it into this machine's engine); an eval host's engine
holds only what is imported into it, and a lesson of that environment placed
there would fail to start. ``practica hosts add`` imports every environment
built here into the new host, and ``practica hosts environments`` brings
every host up to date after a build or a rebuild. Each image is tagged with
its build's fingerprint as well as ``latest``: a host that has the current
build is skipped, one with an older build gets the new one.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from practica.sandbox.docker_images import import_rootfs
from practica.sandbox.environments import BUILT_MARKER, docker_image
from practica.sandbox.settings import SandboxSettings


@dataclass(frozen=True)
class BuiltEnvironment:
    """An environment whose root file system ``practica env build`` finished here."""

    name: str
    fingerprint: str
    rootfs: Path

    @property
    def build_tag(self) -> str:
        """The image's name with this build's fingerprint as its tag."""
        return f"{docker_image(self.name).rpartition(':')[0]}:{self.fingerprint[:20]}"


@dataclass(frozen=True)
class Imported:
    """What one environment's turn on one host did: imported (and how long it took), or found current."""

    name: str
    seconds: float | None


def built_environments(settings: SandboxSettings) -> list[BuiltEnvironment]:
    """Every environment with a finished build under ``settings.images_home``, by name."""
    built = []
    for marker in sorted(settings.images_home.glob(f"*/rootfs/{BUILT_MARKER}")):
        rootfs = marker.parent
        built.append(BuiltEnvironment(rootfs.parent.name, marker.read_text().strip(), rootfs))
    return built


def has_build(client: Any, built: BuiltEnvironment) -> bool:
    import docker.errors

    try:
        client.images.get(built.build_tag)
    except docker.errors.ImageNotFound:
        return False
    return True


def bring_up_to_date(
    client: Any, environments: list[BuiltEnvironment], told: Callable[[str], None] = lambda _line: None
) -> list[Imported]:
    """Import each of ``environments`` the engine lacks in its current build; what was done, in order."""
    done = []
    for built in environments:
        if has_build(client, built):
            done.append(Imported(built.name, None))
            continue
        told(f"importing {built.name} …")
        started = time.perf_counter()
        image = import_rootfs(client, built.rootfs, built.name)
        repository, _, tag = built.build_tag.rpartition(":")
        client.images.get(image).tag(repository, tag)
        done.append(Imported(built.name, time.perf_counter() - started))
    return done


def describe(done: list[Imported]) -> str:
    """``go imported in 12.3 s, rust up to date`` (or ``no environment is built here``)."""
    if not done:
        return "no environment is built here (practica env build NAME)"
    return ", ".join(
        f"{item.name} up to date" if item.seconds is None else f"{item.name} imported in {item.seconds:.1f} s"
        for item in done
    )
