"""The bubblewrap command line of an environment's long-lived process.

Two kinds of root file system: the built-in ``host`` environment (the host's
``/usr`` and a few chosen ``/etc`` entries, read-only) and a built one (a
debootstrap tree under ``PRACTICA_HOME/images/NAME/rootfs``, bound read-only
as ``/``). Either way ``/etc/passwd``, ``group``, ``hosts`` and
``resolv.conf`` come from files Practica writes, so nothing of the host's
accounts is visible.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from practica.sandbox.spec import EnvironmentSpec

INSIDE_UID = 1000
HOSTNAME = "practica"
USER = "learner"
HOME = "/workspace"
# What of the host's /etc the `host` environment sees: what programs need to run, nothing about the host's accounts.
HOST_ETC = (
    "alternatives", "ssl", "ca-certificates", "ca-certificates.conf", "ld.so.cache", "ld.so.conf", "ld.so.conf.d",
    "localtime", "timezone", "nsswitch.conf", "host.conf", "gai.conf", "protocols", "services", "mime.types",
    "magic", "inputrc", "bash.bashrc", "profile", "debian_version", "os-release", "python3", "python3.*", "perl",
    "fonts", "java-*", "mke2fs.conf", "locale.alias",
)  # fmt: skip
HOST_TOP = ("usr", "bin", "lib", "lib32", "lib64", "libx32", "sbin")
GENERATED_ETC = {
    "passwd": f"root:x:0:0::/:/usr/sbin/nologin\n{USER}:x:{INSIDE_UID}:{INSIDE_UID}::{HOME}:/bin/bash\n"
    "nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n",
    "group": f"root:x:0:\n{USER}:x:{INSIDE_UID}:\nnogroup:x:65534:\n",
    "hosts": f"127.0.0.1 localhost {HOSTNAME}\n::1 localhost ip6-localhost ip6-loopback\n",
    "hostname": f"{HOSTNAME}\n",
    "resolv.conf": "nameserver 10.0.2.3\n",  # slirp4netns's DNS forwarder (egress); unreachable under `none`
}


def write_generated_etc(folder: Path) -> Path:
    """Write the /etc files every environment sees (world-readable: bwrap runs as the environment's uid)."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    for name, text in GENERATED_ETC.items():
        target = folder / name
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
            target.chmod(0o644)
    return folder


def host_root_args(etc: tuple[str, ...] = HOST_ETC, dirs: tuple[str, ...] = ("/etc", "/var", "/run")) -> list[str]:
    """The host's ``/usr`` (and its top-level links) read-only, empty ``dirs``, and the ``/etc`` entries ``etc``
    names (glob patterns) read-only."""
    args: list[str] = []
    for top in HOST_TOP:
        path = Path("/") / top
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
    args += [arg for directory in dirs for arg in ("--dir", directory)]
    for pattern in etc:
        for found in sorted(glob.glob(f"/etc/{pattern}")):
            args += ["--ro-bind", found, found]
    return args


def bwrap_args(
    spec: EnvironmentSpec, rootfs: Path | None, workspace: Path, etc: Path, info_fd: int, seccomp_fd: int
) -> list[str]:
    """Arguments of ``bwrap`` for the environment's init (``rootfs`` None: the ``host`` environment).

    ``--disable-userns`` caps the environment's user namespaces at the one it
    is in (the kernel answers ``ENOSPC`` to another), also for the execs that
    join it later; ``--seccomp`` puts the init under the system-call filter
    (execs load it themselves, :mod:`practica.sandbox.bwrap_exec`).
    """
    # Always a network namespace of its own: under `egress` slirp4netns wires it to the outside.
    unshare = ["--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    unshare += ["--unshare-net", "--disable-userns"]
    root = host_root_args() if rootfs is None else ["--ro-bind", str(rootfs), "/"]
    etc_files = [arg for name in GENERATED_ETC for arg in ("--ro-bind", str(etc / name), f"/etc/{name}")]
    size = str(spec.limits.disk)
    return [
        "bwrap",
        *unshare,
        "--uid", str(INSIDE_UID), "--gid", str(INSIDE_UID), "--hostname", HOSTNAME,
        "--die-with-parent", "--new-session", "--info-fd", str(info_fd), "--seccomp", str(seccomp_fd),
        *root,
        *etc_files,
        "--proc", "/proc",
        "--dev", "/dev",
        "--perms", "1777", "--size", size, "--tmpfs", "/tmp",  # noqa: S108 (inside the sandbox)
        "--perms", "1777", "--size", size, "--tmpfs", "/var/tmp",  # noqa: S108
        "--perms", "1777", "--size", size, "--tmpfs", "/dev/shm",  # noqa: S108
        "--bind", str(workspace), HOME,
        "--remount-ro", "/",  # the `host` root is bwrap's own tmpfs: no new top-level files
        "--chdir", HOME,
        "--clearenv", "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin", "--setenv", "HOME", HOME,
        "--",
        "sleep", "infinity",
    ]  # fmt: skip
