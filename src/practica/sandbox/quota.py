"""The workspace volume: a loop-mounted ext4 image per environment, so the disk quota is the file system's size.

Why an image: it is the one quota that holds on any host file system without
mount options (project quotas need ``prjquota`` on the host's file system), it
is enforced by the kernel (``ENOSPC``) rather than measured after the fact, it
keeps its files across stop and resume, and it is one file to delete. The
image is sparse: it takes on disk only what the learner wrote. Needs root
(``mount -o loop``). With ``disk_quota`` off the workspace is a plain
directory and the quota is only reported.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from practica.sandbox.proc import run_checked

IMAGE = "workspace.img"
MOUNT_POINT = "workspace"


class WorkspaceVolume:
    def __init__(self, env_dir: Path, uid: int, size: int, *, enforce: bool) -> None:
        self.env_dir = env_dir
        self.uid = uid
        self.size = size
        self.enforce = enforce
        self.image = env_dir / IMAGE
        self.path = env_dir / MOUNT_POINT

    async def create(self) -> None:
        self.path.mkdir(mode=0o700, exist_ok=True)
        os.chown(self.path, self.uid, self.uid)
        if not self.enforce:
            return
        _sparse_file(self.image, self.size)
        await run_checked(
            "mkfs.ext4", "-q", "-F", "-m", "0", "-J", "size=4", "-O", "^resize_inode",
            "-E", f"root_owner={self.uid}:{self.uid},lazy_itable_init=1,lazy_journal_init=1,nodiscard",
            str(self.image),
        )  # fmt: skip

    async def mount(self) -> None:
        if not self.enforce or _is_mount(self.path):
            return
        await run_checked("mount", "-o", "loop,nosuid,nodev,noatime", str(self.image), str(self.path))
        os.chmod(self.path, 0o700)
        _remove_empty_lost_and_found(self.path)

    async def unmount(self) -> None:
        if self.enforce and _is_mount(self.path):
            await run_checked("umount", "--lazy", str(self.path))

    async def destroy(self) -> None:
        await self.unmount()
        shutil.rmtree(self.path, ignore_errors=True)
        self.image.unlink(missing_ok=True)

    def used(self) -> int:
        """Bytes in use in the workspace."""
        if self.enforce and os.path.ismount(self.path):
            stat = os.statvfs(self.path)
            return (stat.f_blocks - stat.f_bfree) * stat.f_frsize
        return _tree_size(self.path)


def _remove_empty_lost_and_found(workspace: Path) -> None:
    """mkfs leaves a root-owned ``lost+found`` that learners' tools (pytest, ls) trip over."""
    lost = workspace / "lost+found"
    if lost.is_dir() and not any(lost.iterdir()):
        lost.rmdir()


def _sparse_file(path: Path, size: int) -> None:
    with open(path, "wb") as image:
        image.truncate(size)


def _is_mount(path: Path) -> bool:
    return os.path.ismount(path)


def _tree_size(root: Path) -> int:
    total = 0
    for folder, _dirs, files in os.walk(root):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_blocks * 512
            except OSError:
                continue
    return total
