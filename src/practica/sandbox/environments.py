"""Environment definitions (``environments/NAME/environment.yaml``) and where their builds live.

``host`` is built in: the host's ``/usr`` read-only, nothing to build. Every
other environment is a Debian base plus packages, built by ``practica env
build NAME`` into a root file system (bwrap) and an image (docker).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, ValidationError

from practica.sandbox.runtime import ImageMissingError, SandboxError
from practica.sandbox.settings import SandboxSettings

HOST = "host"
BUILT_MARKER = ".practica-built"


class EnvironmentDefinition(BaseModel):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    description: str = ""
    suite: str = Field("bookworm", pattern=r"^[a-z]+$", description="Debian release of the base.")
    packages: list[str] = Field(default_factory=list, description="Debian packages on top of the minimal base.")
    apt_packages: list[str] = Field(
        default_factory=list,
        description="Packages `apt-get install` adds after the base (its resolver handles what debootstrap's "
        "cannot, such as virtual packages).",
    )
    setup: list[str] = Field(
        default_factory=list,
        description="Shell scripts run as root inside the new tree after the packages, with the build host's "
        "network (to warm a compiler's cache, write a tool's defaults).",
    )

    def fingerprint(self) -> str:
        """Changes whenever what the build would produce changes.

        Fields left empty that older definitions did not have are left out, so a build made before they
        existed stays current.
        """
        unset = {name for name in ("apt_packages", "setup") if not getattr(self, name)}
        return hashlib.sha256(self.model_dump_json(exclude=unset).encode()).hexdigest()[:16]


def load_definition(settings: SandboxSettings, name: str) -> EnvironmentDefinition:
    path = settings.environments_dir / name / "environment.yaml"
    try:
        raw = yaml.safe_load(path.read_text()) or {}
        return EnvironmentDefinition.model_validate({**raw, "name": name})
    except FileNotFoundError:
        raise SandboxError(f"no environment {name!r} (no {path})") from None
    except (yaml.YAMLError, ValidationError) as error:
        raise SandboxError(f"{path}: {error}") from None


def definition_names(settings: SandboxSettings) -> list[str]:
    return sorted(p.parent.name for p in settings.environments_dir.glob("*/environment.yaml"))


def rootfs_dir(settings: SandboxSettings, name: str) -> Path:
    return settings.images_home / name / "rootfs"


def built_rootfs(settings: SandboxSettings, name: str) -> Path | None:
    """The root file system bwrap binds for ``name`` (None: the host's), or :class:`ImageMissingError`."""
    if name == HOST:
        return None
    rootfs = rootfs_dir(settings, name)
    if not (rootfs / BUILT_MARKER).exists():
        raise ImageMissingError(f"environment {name!r} is not built for bwrap: run `practica env build {name}`")
    return rootfs


def docker_image(name: str) -> str:
    return f"localhost/practica-{name}:latest"
