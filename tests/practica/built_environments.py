"""Built environments for the tests, from a cache outside the clone: debootstrap once per definition.

A root file system is kept under ``PRACTICA_TEST_IMAGE_CACHE`` (default
``/var/cache/practica/images``) in a folder named by the fingerprint of its
``environments/NAME/environment.yaml``: a changed definition gets a new
build, an unchanged one is reused by every later run, clone and worker. A
test's own data directory links ``images/NAME/rootfs`` to it, the place the
bwrap runtime binds from. Builds of one definition hold a lock, so two
pytest workers never debootstrap the same tree at once.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from practica.sandbox.build import build_rootfs, is_current
from practica.sandbox.environments import load_definition, rootfs_dir
from practica.sandbox.settings import SandboxSettings

ENVIRONMENTS = Path(__file__).resolve().parents[2] / "environments"


def image_cache() -> Path:
    return Path(os.environ.get("PRACTICA_TEST_IMAGE_CACHE", "/var/cache/practica/images"))


def _traversable(folder: Path) -> None:
    """Every level readable by the environments' own uids (bwrap binds the tree as theirs to read)."""
    folder.mkdir(parents=True, exist_ok=True)
    for level in (folder, *folder.parents):
        if level == level.parent or level.stat().st_mode & 0o005 == 0o005:
            continue
        level.chmod(level.stat().st_mode | 0o005)


async def build_or_reuse(settings: SandboxSettings, name: str) -> Path:
    """``settings``' rootfs of ``name``, a link to the cached build (built first when there is none)."""
    definition = load_definition(settings.model_copy(update={"environments_dir": ENVIRONMENTS}), name)
    cached = settings.model_copy(update={"home": image_cache() / definition.fingerprint()})
    _traversable(cached.home)
    with (image_cache() / f"{definition.fingerprint()}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not is_current(cached, definition):
            await build_rootfs(cached, definition, lambda _line: None)
    link = rootfs_dir(settings, name)
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.is_symlink():
        link.symlink_to(rootfs_dir(cached, name), target_is_directory=True)
    return link
