"""``practica env build NAME``: a Debian root file system for bwrap, imported as an image for docker.

debootstrap (minbase plus the definition's packages) into ``rootfs.new``,
then ``apt-get install`` of its ``apt_packages`` and its ``setup`` scripts
inside that tree (bubblewrap: its own /proc, /dev and /tmp, the host's
network), then a swap into place, so a failed build never leaves half a tree where a
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
    log = work.parent / "build.log"
    log.unlink(missing_ok=True)
    await _stream([*argv, definition.suite, str(work), settings.debian_mirror], progress, log)
    for script in _setup_scripts(definition):
        progress(script.splitlines()[0][:60])
        await _stream(_inside(work, script), progress, log, what="setup")
    _finish(work, definition)
    old = target.with_name("rootfs.old")
    if target.exists():
        target.rename(old)
    work.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    progress("done")
    return target


def _setup_scripts(definition: EnvironmentDefinition) -> list[str]:
    apt = []
    if definition.apt_packages:
        packages = " ".join(definition.apt_packages)
        apt.append(f"apt-get update && apt-get install -y --no-install-recommends {packages} && apt-get clean")
    return [*apt, *definition.setup]


def _inside(rootfs: Path, script: str) -> list[str]:
    """``sh -e`` in the tree as root: bubblewrap gives it /proc, /dev, a /tmp of its own and the host's network."""
    bind = ["--bind", str(rootfs), "/", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]  # noqa: S108
    env = ["--setenv", "DEBIAN_FRONTEND", "noninteractive", "--setenv", "HOME", "/root"]
    env += ["--setenv", "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]
    return ["bwrap", *bind, *env, "--die-with-parent", "/bin/sh", "-e", "-c", script]


async def _stream(argv: list[str], progress: Progress, log: Path, *, what: str = "debootstrap") -> None:
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
    with log.open("ab") as kept:  # one small write at the end
        kept.write(b"".join(lines))
    if await process.wait() != 0:
        raise SandboxError(f"{what} failed (see {log})")


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
