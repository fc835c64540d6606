"""Images for the docker runtime: the tiny ``host`` image, and imports of built root file systems.

No registry is reachable, so nothing is pulled. ``host`` is an image with
only the top-level directories and links; the host's ``/usr`` and chosen
``/etc`` entries are bind-mounted read-only at start, as under bwrap (no
copying gigabytes). Built environments are imported from the same root file
system ``practica env build`` makes for bwrap.
"""

from __future__ import annotations

import io
import os
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from practica.sandbox.bwrap_args import HOST_TOP
from practica.sandbox.environments import HOST, docker_image
from practica.sandbox.runtime import ImageMissingError

IMAGE_DIRS = ("etc", "tmp", "var", "var/tmp", "run", "workspace", "proc", "dev", "sys", "root")


def _host_skeleton() -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for top in HOST_TOP:
            path = Path("/") / top
            entry = tarfile.TarInfo(top)
            if path.is_symlink():
                entry.type, entry.linkname = tarfile.SYMTYPE, os.readlink(path)
            elif path.is_dir():
                entry.type, entry.mode = tarfile.DIRTYPE, 0o755
            else:
                continue
            tar.addfile(entry)
        for name in IMAGE_DIRS:
            entry = tarfile.TarInfo(name)
            entry.type, entry.mode = tarfile.DIRTYPE, 0o1777 if name.endswith("tmp") else 0o755
            tar.addfile(entry)
    return buffer.getvalue()


def _import(client: Any, data_or_path: bytes | Path, name: str) -> None:
    repository, _, tag = name.rpartition(":")
    if isinstance(data_or_path, bytes):
        result = client.api.import_image_from_data(data_or_path, repository=repository, tag=tag)
    else:
        result = client.api.import_image_from_file(str(data_or_path), repository=repository, tag=tag)
    image_id = _image_id(result)
    client.images.get(image_id).tag(repository, tag)  # podman's compat import ignores the tag it is given


def _image_id(result: object) -> str:
    text = result.decode() if isinstance(result, bytes) else str(result)
    marker = "sha256:"
    start = text.rindex(marker)
    return text[start : start + len(marker) + 64]


def ensure_image(client: Any, environment: str) -> str:
    """The image name for ``environment``; the ``host`` image is made on first use."""
    import docker.errors

    name = docker_image(environment)
    try:
        client.images.get(name)
        return name
    except docker.errors.ImageNotFound:
        if environment != HOST:
            raise ImageMissingError(
                f"environment {environment!r} is not built for docker: run `practica env build {environment}`"
            ) from None
    _import(client, _host_skeleton(), name)
    return name


def import_rootfs(client: Any, rootfs: Path, environment: str) -> str:
    """Import a built root file system as the environment's image (a tar stream from disk, not memory)."""
    name = docker_image(environment)
    with tempfile.NamedTemporaryFile(suffix=".tar", dir=rootfs.parent) as archive:
        with tarfile.open(fileobj=archive, mode="w") as tar:
            tar.add(rootfs, arcname=".")
        archive.flush()
        _import(client, Path(archive.name), name)
    return name
