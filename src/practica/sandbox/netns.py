"""Egress for a bubblewrap environment: slirp4netns, a user-mode TCP/IP stack, in the environment's own netns.

slirp4netns runs as a host process but joins nothing of the host's network to
the namespace: the namespace gets a tap device, and slirp turns its packets
into ordinary sockets. ``--disable-host-loopback`` makes 10.0.2.2 (the
host's loopback in slirp's default set-up) unreachable, so the platform's
own services on 127.0.0.1 stay out of reach. Its sandbox and seccomp options
confine the slirp process itself. It exits when Practica's process does
(``--exit-fd``).

slirp4netns starts in a mount namespace of its own whose mounts are slaves of
the host's (``unshare --propagation slave``). Its sandbox makes only ``/``
private and ``/run`` a slave, and ignores the refusal when ``/run`` is no
mount point (a VM or container whose ``/run`` sits on the root file system);
its ``umount`` of the old root then reached every shared mount under ``/run``
on the host: podman's and iproute2's network namespaces in ``/run/netns``,
which every rootful container on the host lost ("unknown FS magic").
"""

from __future__ import annotations

import asyncio
import os
import subprocess
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from practica.sandbox.runtime import SandboxError

READY_TIMEOUT = 10.0


@dataclass
class Slirp:
    process: subprocess.Popen[bytes]
    exit_fd: int

    def stop(self) -> None:
        with suppress(OSError):
            os.close(self.exit_fd)
        self.process.kill()
        self.process.wait()


def _spawn(argv: list[str], fds: tuple[int, ...], log: Path) -> subprocess.Popen[bytes]:
    """Started from the event loop's thread on purpose: the child must not outlive a worker thread."""
    with open(log, "ab") as output:
        return subprocess.Popen(argv, pass_fds=fds, stdin=subprocess.DEVNULL, stdout=output, stderr=output)


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-500:]


# A mount namespace whose unmounts never reach the host's (util-linux; the same process, exec'd).
UNSHARED_MOUNTS = ("unshare", "--mount", "--propagation", "slave")


async def start_slirp(init_pid: int, log: Path) -> Slirp:
    exit_r, exit_w = os.pipe()
    ready_r, ready_w = os.pipe()
    argv = [
        *UNSHARED_MOUNTS, "slirp4netns", "--configure", "--mtu=65520", "--disable-host-loopback", "--enable-sandbox",
        "--enable-seccomp", "--netns-type=path", f"--exit-fd={exit_r}", f"--ready-fd={ready_w}",
        f"/proc/{init_pid}/ns/net", "tap0",
    ]  # fmt: skip
    process = _spawn(argv, (exit_r, ready_w), log)
    os.close(exit_r)
    os.close(ready_w)
    slirp = Slirp(process, exit_w)
    try:
        ready = await asyncio.wait_for(asyncio.to_thread(os.read, ready_r, 1), READY_TIMEOUT)
    except TimeoutError:
        ready = b""
    finally:
        os.close(ready_r)
    if ready != b"1":
        slirp.stop()
        raise SandboxError(f"slirp4netns did not come up: {_tail(log)}")
    return slirp
