"""The system calls learners' code may not make: one policy, for every runtime.

Learners run without capabilities and cannot make a user namespace, so the
kernel already refuses most privileged calls; this filter takes away the
kernel surface that is reachable *without* privileges, and the calls that
would lead back to privileges. It is a deny list modelled on Docker's default
profile (the calls Docker allows only with a capability, or never):

- new namespaces: ``unshare`` entirely, ``clone`` with any ``CLONE_NEW*``
  flag; ``clone3`` answers ``ENOSYS`` (its flags cannot be inspected), so the
  C library falls back to ``clone``;
- mounts: ``mount``, ``umount2``, ``pivot_root`` and the new mount API;
- kernel keyrings, BPF, performance counters, ``userfaultfd``, ``io_uring``,
  ``fanotify``, file handles (``open_by_handle_at``: the classic container
  escape), NUMA memory policies, ``iopl``/``ioperm``;
- modules, ``kexec``, ``reboot``, swap, accounting, clocks, quotas, the kernel
  log, and obsolete calls (``uselib``, ``ustat``, ``sysfs``, ``_sysctl``).

A refused call fails with ``EPERM``. System calls of another architecture
(32-bit x86 through ``int 0x80``, x32) end the process: a filter for one
architecture cannot be bypassed through another's numbers.

Left allowed on purpose: ``setns`` and ``chroot`` (the bwrap runtime's
``nsenter`` makes them after the filter is loaded; without a capability in
any namespace the kernel refuses them to learners), and ``ptrace`` with
``process_vm_readv``/``writev`` (as in Docker's profile on kernels ≥ 4.8:
debuggers work, only the environment's own processes can be reached, and the
filter is checked again after a tracer changes a call).

The bwrap runtime loads the compiled program (:func:`write_filter`) into the
sandbox's init (``bwrap --seccomp``) and into every exec and terminal
(:mod:`practica.sandbox.seccomp_exec`); the docker runtime hands the engine a
profile (:func:`docker_profile`).
"""

from __future__ import annotations

import copy
import errno
import functools
import os
import platform
import tempfile
from pathlib import Path
from typing import Any

from practica.sandbox.runtime import RuntimeUnavailableError

CLONE_NEW_FLAGS = {
    "CLONE_NEWNS": 0x00020000,
    "CLONE_NEWCGROUP": 0x02000000,
    "CLONE_NEWUTS": 0x04000000,
    "CLONE_NEWIPC": 0x08000000,
    "CLONE_NEWUSER": 0x10000000,
    "CLONE_NEWPID": 0x20000000,
    "CLONE_NEWNET": 0x40000000,
}
NAMESPACE_MASK = functools.reduce(int.__or__, CLONE_NEW_FLAGS.values())

DENIED = (
    # namespaces and mounts
    "unshare", "mount", "umount", "umount2", "pivot_root", "mount_setattr", "move_mount", "open_tree",
    "fsopen", "fsconfig", "fsmount", "fspick",
    # kernel keyrings
    "add_key", "keyctl", "request_key",
    # kernel programs, counters and asynchronous interfaces reachable without privileges
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "fanotify_init", "lookup_dcookie",
    # file handles: opening any inode of a mounted file system by number
    "open_by_handle_at", "name_to_handle_at",
    # memory placement and raw hardware
    "mbind", "set_mempolicy", "get_mempolicy", "move_pages", "migrate_pages", "iopl", "ioperm",
    "vm86", "vm86old",
    # the machine itself: modules, kexec, reboot, swap, accounting, clocks, quotas, kernel log
    "init_module", "finit_module", "delete_module", "create_module", "query_module", "get_kernel_syms",
    "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "acct", "settimeofday", "stime",
    "clock_settime", "clock_adjtime", "quotactl", "quotactl_fd", "syslog", "vhangup",
    # obsolete
    "uselib", "ustat", "sysfs", "_sysctl", "nfsservctl",
)  # fmt: skip
REFUSED = errno.EPERM


@functools.cache
def filter_program() -> bytes:
    """The policy compiled to a classic BPF program for this machine (what ``bwrap --seccomp`` reads)."""
    try:
        import pyseccomp
    except (ImportError, RuntimeError) as error:  # RuntimeError: pyseccomp found no libseccomp
        needed = "the bwrap runtime needs libseccomp (apt-get install libseccomp2)"
        raise RuntimeUnavailableError(f"{needed}: {error}") from None
    policy = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
    policy.set_attr(pyseccomp.Attr.ACT_BADARCH, pyseccomp.KILL_PROCESS)
    for name in DENIED:
        if pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, name) >= 0:
            policy.add_rule(pyseccomp.ERRNO(REFUSED), name)
    for flag in CLONE_NEW_FLAGS.values():
        with_flag = pyseccomp.Arg(_clone_flags_argument(), pyseccomp.MASKED_EQ, flag, flag)
        policy.add_rule(pyseccomp.ERRNO(REFUSED), "clone", with_flag)
    policy.add_rule(pyseccomp.ERRNO(errno.ENOSYS), "clone3")
    with tempfile.TemporaryFile() as compiled:
        policy.export_bpf(compiled)
        compiled.seek(0)
        return compiled.read()


def _clone_flags_argument() -> int:
    """``clone``'s flags are its first argument, except on s390 where they are its second."""
    return 1 if platform.machine().startswith("s390") else 0


def write_filter(folder: Path) -> Path:
    """Write the compiled program where the runtime's processes read it (root-owned, world-readable)."""
    return replace_file(folder / "seccomp.bpf", filter_program())


def replace_file(path: Path, data: bytes) -> Path:
    """Write ``data`` at ``path`` unless it is there already; readers never see half a file (several workers)."""
    if path.is_file() and path.read_bytes() == data:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", delete=False) as partial:
        partial.write(data)
    os.chmod(partial.name, 0o644)
    os.replace(partial.name, path)
    return path


def docker_profile(default: dict[str, Any]) -> dict[str, Any]:
    """The engine's default profile (an allow list), with this policy's calls taken out of what it allows.

    ``clone`` stays allowed only without namespace flags and ``clone3`` answers
    ``ENOSYS``, as in Docker's own default profile. A default that allows what
    it does not list is refused: taking names out of it would take nothing away.
    """
    if default.get("defaultAction") == "SCMP_ACT_ALLOW":
        raise ValueError("the engine's default seccomp profile allows every call it does not name")
    profile: dict[str, Any] = copy.deepcopy(default)
    taken_out = {*DENIED, "clone", "clone3"}
    for rule in profile.get("syscalls", []):
        if rule.get("action") == "SCMP_ACT_ALLOW":
            rule["names"] = [name for name in rule.get("names", []) if name not in taken_out]
    profile["syscalls"] = [rule for rule in profile.get("syscalls", []) if rule.get("names")]
    no_namespaces = {
        "index": _clone_flags_argument(), "value": NAMESPACE_MASK, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ",
    }  # fmt: skip
    profile["syscalls"] += [
        {"names": ["clone"], "action": "SCMP_ACT_ALLOW", "args": [no_namespaces]},
        {"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.ENOSYS},
        {"names": sorted(DENIED), "action": "SCMP_ACT_ERRNO", "errnoRet": REFUSED},
    ]
    return profile
