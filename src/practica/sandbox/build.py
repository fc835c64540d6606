"""``practica env build NAME``: a Debian root file system for bwrap, imported as an image for docker.

debootstrap (minbase plus the definition's packages) into ``rootfs.new``,
then a swap into place, so a failed build never leaves half a tree where a
working one was. A fingerprint of the definition skips builds that would
change nothing.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Callable
from pathlib import Path

from practica.sandbox.bwrap_args import GENERATED_ETC
from practica.sandbox.environments import BUILT_MARKER, EnvironmentDefinition, rootfs_dir
from practica.sandbox.runtime import SandboxError
from practica.sandbox.settings import SandboxSettings

Progress = Callable[[str], None]
_CLEAN = ("var/cache/apt/archives", "var/lib/apt/lists", "var/log")


def is_current(settings: SandboxSettings, definition: EnvironmentDefinition) -> bool:
    marker = rootfs_dir(settings, definition.name) / BUILT_MARKER
    return marker.exists() and marker.read_text().strip() == definition.fingerprint()


async def build_rootfs(
    settings: SandboxSettings, definition: EnvironmentDefinition, progress: Progress, *, force: bool = False
) -> Path:
    target = rootfs_dir(settings, definition.name)
    if not force and is_current(settings, definition):
        progress("up to date")
        return target
    if shutil.which("debootstrap") is None:
        raise SandboxError("building needs debootstrap (apt-get install debootstrap)")
    work = target.with_name("rootfs.new")
    shutil.rmtree(work, ignore_errors=True)
    work.parent.mkdir(parents=True, exist_ok=True)
    work.parent.chmod(0o755)
    argv = ["debootstrap", "--variant=minbase"]
    if definition.packages:
        argv.append("--include=" + ",".join(definition.packages))
    await _stream([*argv, definition.suite, str(work), settings.debian_mirror], progress, work.parent / "build.log")
    _finish(work, definition)
    old = target.with_name("rootfs.old")
    if target.exists():
        target.rename(old)
    work.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    progress("done")
    return target


async def _stream(argv: list[str], progress: Progress, log: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, stdin=asyncio.subprocess.DEVNULL
    )
    assert process.stdout is not None
    lines = []
    async for line in process.stdout:
        lines.append(line)
        text = line.decode(errors="replace").strip()
        if text.startswith(("I: ", "W: ", "E: ")):
            progress(text[3:])
    log.write_bytes(b"".join(lines))  # noqa: ASYNC240 (one small write at the end)
    if await process.wait() != 0:
        raise SandboxError(f"debootstrap failed (see {log})")


def _finish(rootfs: Path, definition: EnvironmentDefinition) -> None:
    """Mount points the runtimes bind onto (the root is read-only at run time), and no package caches."""
    (rootfs / "workspace").mkdir(exist_ok=True)
    for name in GENERATED_ETC:
        (rootfs / "etc" / name).touch()
    for folder in _CLEAN:
        for entry in (rootfs / folder).glob("*"):
            if entry.is_file():
                entry.unlink()
    (rootfs / BUILT_MARKER).write_text(definition.fingerprint() + "\n")
