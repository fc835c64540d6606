"""One untrusted tool run (an archive's unpacker, ``git clone``) in a throwaway bubblewrap sandbox.

The web app and the authoring jobs handle authors' archives and repositories,
which are hostile until proven otherwise. Path checks alone have failed before
(a tar whose chain of long symlinks resolves past ``PATH_MAX`` wrote outside
its directory as root), so the tool that reads them runs where a mistake
cannot reach anything else:

- as an unprivileged host uid (``PRACTICA_IMPORT_UID`` when Practica runs as
  root, else Practica's own uid), in new user, pid, ipc, uts, cgroup and mount
  namespaces (and a network namespace of its own unless the tool needs one),
  no nested user namespaces, and the learners' system-call filter (seccomp);
- the host's ``/usr`` read-only, an empty ``/tmp``, no ``/etc`` beyond what
  name resolution and TLS need, and exactly one writable directory: the target;
- rlimits on file size, address space, CPU seconds and open files, a
  wall-clock timeout, and the target's total size watched from outside: past
  a limit the whole sandbox is killed.

Whatever the tool leaves in the target is still untrusted: callers read it
with :func:`untrusted_tree`, which refuses anything but regular files and
directories and re-counts entries and bytes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from practica.sandbox.bwrap_args import host_root_args
from practica.sandbox.seccomp import filter_program

POLL_S = 0.2  # how often the target's size is measured
PIPE_LIMIT = 60 * 1024  # what a pipe takes before anyone reads it
SECCOMP = "seccomp"  # the key of the filter's pipe (not a file inside)
# What of the host's /etc a tool sees: dynamic linking, name resolution, TLS roots. Nothing about accounts.
HOST_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "resolv.conf", "hosts", "nsswitch.conf", "gai.conf",
            "host.conf", "ssl", "ca-certificates", "alternatives", "localtime")  # fmt: skip
PASSWD = "root:x:0:0::/:/usr/sbin/nologin\nimport:x:{uid}:{uid}::/tmp:/usr/sbin/nologin\n"  # noqa: S105


class ConfinementError(RuntimeError):
    """The sandbox could not be set up (no bubblewrap): an operator's problem, not the author's."""


class LimitExceededError(Exception):
    """The tool passed a limit and was killed; the message says which, for the author."""


@dataclass(frozen=True)
class Confinement:
    """Where and how long a tool may work. Sizes are bytes."""

    target: Path  # the only writable directory, bound at the same path inside (its parents must be traversable)
    read_only: tuple[Path, ...] = ()  # more host paths bound read-only (traversable by the tool's uid)
    files: Mapping[str, bytes] = field(default_factory=dict)  # read-only files made inside: path -> content
    network: bool = False
    timeout_s: float = 60.0
    max_bytes: int = 200 * 1024 * 1024  # of everything written under the target
    max_file_bytes: int | None = None  # of one file (RLIMIT_FSIZE); None: max_bytes and one more
    memory_bytes: int = 2 * 1024 * 1024 * 1024
    cpu_s: int = 120
    uid: int = 999_999  # the host uid the tool runs as, when Practica runs as root
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Completed:
    returncode: int
    stdout: bytes
    stderr: bytes


def _uid_for(confinement: Confinement) -> int:
    return confinement.uid if os.geteuid() == 0 else os.geteuid()


def bwrap_command(argv: Sequence[str], confinement: Confinement, fds: Mapping[str, int]) -> list[str]:
    """The whole command line: drop to the tool's uid, set rlimits, then bubblewrap around ``argv``.

    ``fds`` maps each file made inside (``/etc/passwd`` and ``confinement.files``) to a pipe holding it,
    and :data:`SECCOMP` to one holding the system-call filter the learners' environments have too.
    """
    if shutil.which("bwrap") is None:
        raise ConfinementError("bubblewrap (bwrap) is not installed: it confines archive unpacking and git clones")
    uid = _uid_for(confinement)
    drop = ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"] if os.geteuid() == 0 else []
    file_bytes = confinement.max_file_bytes or confinement.max_bytes + 1
    limits = [
        "prlimit", f"--fsize={file_bytes}", f"--as={confinement.memory_bytes}",
        f"--cpu={confinement.cpu_s}", "--nofile=256", "--core=0", "--",
    ]  # fmt: skip
    unshare = ["--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if not confinement.network:
        unshare.append("--unshare-net")
    binds = [arg for path in confinement.read_only for arg in ("--ro-bind", str(path), str(path))]
    made = [arg for path, fd in fds.items() if path != SECCOMP for arg in ("--ro-bind-data", str(fd), path)]
    environment = [arg for name, value in confinement.env.items() for arg in ("--setenv", name, value)]
    target = str(confinement.target)
    return [
        *drop, *limits, "bwrap", *unshare, "--disable-userns", "--seccomp", str(fds[SECCOMP]),
        "--die-with-parent", "--new-session",
        *host_root_args(HOST_ETC, dirs=("/etc",)),
        "--proc", "/proc", "--dev", "/dev",
        "--size", str(64 * 1024 * 1024), "--tmpfs", "/tmp",  # noqa: S108 (inside the sandbox)
        *binds,
        "--bind", target, target,
        *made,
        "--remount-ro", "/",
        "--chdir", target,
        "--clearenv", "--setenv", "PATH", "/usr/bin:/bin", "--setenv", "HOME", "/tmp",  # noqa: S108
        "--setenv", "LANG", "C.UTF-8", *environment,
        "--", *argv,
    ]  # fmt: skip


def _pipes(confinement: Confinement) -> dict[str, int]:
    """A pipe per file made inside, already holding its content (small files: each fits a pipe's buffer)."""
    contents = {
        "/etc/passwd": PASSWD.format(uid=_uid_for(confinement)).encode(),
        SECCOMP: filter_program(),
        **confinement.files,
    }
    fds: dict[str, int] = {}
    for path, content in contents.items():
        if len(content) > PIPE_LIMIT:
            raise ConfinementError(f"{path}: {len(content)} bytes is too large to hand to the sandbox")
        read, write = os.pipe()
        os.write(write, content)
        os.close(write)
        fds[path] = read
    return fds


def prepare_target(confinement: Confinement) -> None:
    """An empty target directory that the tool's uid owns, in a parent it may traverse (not list)."""
    target = confinement.target
    target.mkdir(mode=0o700)
    if os.geteuid() == 0:
        os.chown(target, confinement.uid, confinement.uid)
        target.parent.chmod(stat.S_IMODE(target.parent.stat().st_mode) | 0o011)


def tree_size(directory: Path) -> int:
    """Bytes of the files under ``directory`` (links not followed; files vanishing meanwhile skipped)."""
    total = 0
    for root, _dirs, files in os.walk(directory):
        for name in files:
            with contextlib.suppress(FileNotFoundError):
                total += os.lstat(os.path.join(root, name)).st_size
    return total


async def _watch(process: asyncio.subprocess.Process, confinement: Confinement, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + confinement.timeout_s
    ended = asyncio.ensure_future(process.wait())
    while not ended.done():
        remaining = deadline - loop.time()
        if remaining <= 0:
            raise LimitExceededError(f"{what} took longer than {confinement.timeout_s:g} s")
        await asyncio.wait({ended}, timeout=min(POLL_S, remaining))
        if await asyncio.to_thread(tree_size, confinement.target) > confinement.max_bytes:
            raise LimitExceededError(f"{what} wrote more than {confinement.max_bytes / 1024 / 1024:g} MB")


async def run_confined(argv: Sequence[str], confinement: Confinement, *, stdin: bytes = b"", what: str) -> Completed:
    """Run ``argv`` confined; its output, or :class:`LimitExceededError` naming ``what`` passed which limit."""
    fds = _pipes(confinement)
    try:
        process = await asyncio.create_subprocess_exec(
            *bwrap_command(argv, confinement, fds),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            pass_fds=tuple(fds.values()), start_new_session=True, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        )  # fmt: skip
    finally:
        for fd in fds.values():
            os.close(fd)
    return await _supervise(process, confinement, stdin, what)


async def _supervise(
    process: asyncio.subprocess.Process, confinement: Confinement, stdin: bytes, what: str
) -> Completed:
    assert process.stdin is not None
    assert process.stdout is not None
    assert process.stderr is not None
    output = asyncio.ensure_future(_read_capped(process.stdout))
    errors = asyncio.ensure_future(_read_capped(process.stderr))
    feeding = asyncio.ensure_future(_feed(process.stdin, stdin))
    try:
        await _watch(process, confinement, what)
    finally:
        if process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        feeding.cancel()
        with contextlib.suppress(asyncio.CancelledError, OSError):
            await feeding
    assert process.returncode is not None
    if await asyncio.to_thread(tree_size, confinement.target) > confinement.max_bytes:
        raise LimitExceededError(f"{what} wrote more than {confinement.max_bytes / 1024 / 1024:g} MB")
    return Completed(process.returncode, await output, await errors)


async def _feed(sink: asyncio.StreamWriter, data: bytes) -> None:
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        sink.write(data)
        await sink.drain()
        sink.close()


async def _read_capped(source: asyncio.StreamReader, limit: int = 256 * 1024) -> bytes:
    """What the tool printed, at most ``limit`` bytes kept (the rest is read and dropped)."""
    kept = bytearray()
    while chunk := await source.read(65536):
        kept += chunk[: max(0, limit - len(kept))]
    return bytes(kept)


class UntrustedTreeError(Exception):
    """The tool left something that is neither a regular file nor a directory, or too much."""


def untrusted_tree(directory: Path, *, max_entries: int, max_bytes: int, drop_links: bool = False) -> None:
    """Refuse a tree that holds links, devices, FIFOs or sockets, or more entries or bytes than allowed.

    ``drop_links``: symbolic links are removed instead (a git checkout may hold them; a course never
    needs them). Run after the tool has exited (its pid namespace is gone with it), so nothing changes
    the tree meanwhile. Nothing is followed: every entry is examined with ``lstat``.
    """
    entries = size = 0
    for root, dirs, files in os.walk(directory):
        for name in dirs + files:
            path = os.path.join(root, name)
            mode = os.lstat(path).st_mode
            if drop_links and stat.S_ISLNK(mode):
                os.unlink(path)
                continue
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                relative = os.path.relpath(path, directory)
                raise UntrustedTreeError(f"{relative!r}: only regular files and directories are kept")
            entries += 1
            size += os.lstat(path).st_size if stat.S_ISREG(mode) else 0
            if entries > max_entries:
                raise UntrustedTreeError(f"more than {max_entries} entries")
            if size > max_bytes:
                raise UntrustedTreeError(f"more than {max_bytes / 1024 / 1024:g} MB")
