"""Eval hosts for tests: each a network namespace with its own podman, serving the Docker API over TLS or SSH.

As ``../shared/RECIPES.md`` describes a second host on one machine: a
namespace joined to this one by a veth pair on a /30 of its own, a podman
service inside it on a unix socket, and haproxy inside it terminating TLS
on the namespace's address and requiring a client certificate from the
test's CA. The platform (the test) reaches each host only at
``tcp://ADDRESS:2376``, as it would a machine across the network.

An eval host made with ``ssh=True`` also runs an OpenSSH server on the
namespace's address (port 22), which accepts one client key and forwards
unix sockets only: the platform reaches the same engine at
``ssh://root@ADDRESS/PODMAN-SOCKET``.
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trustme

from practica.sandbox.podman import PodmanService

ENGINE_PORT = 2376
_hosts_made = itertools.count()
READY_S = 60.0


@dataclass(frozen=True)
class Certificates:
    """One CA for the engines' certificates and the clients'; :meth:`client_dir` writes Docker's layout."""

    ca: trustme.CA

    def client_dir(self, path: Path, *, signed_by: trustme.CA | None = None) -> Path:
        """ca.pem (this CA, which signs the engines), cert.pem and key.pem signed by ``signed_by`` (default this CA)."""
        path.mkdir(parents=True, exist_ok=True)
        self.ca.cert_pem.write_to_path(str(path / "ca.pem"))
        client = (signed_by or self.ca).issue_cert("practica-worker@example.test")
        client.cert_chain_pems[0].write_to_path(str(path / "cert.pem"))
        client.private_key_pem.write_to_path(str(path / "key.pem"))
        return path

    def server_pem(self, address: str, path: Path) -> Path:
        """haproxy's ``crt``: the engine's certificate for ``address``, its chain, and its key, in one file."""
        server = self.ca.issue_cert(address)
        path.write_bytes(b"".join(blob.bytes() for blob in server.cert_chain_pems) + server.private_key_pem.bytes())
        return path


def new_certificates() -> Certificates:
    return Certificates(trustme.CA())


@dataclass
class EvalHostLab:
    """One test eval host: where it answers, and the handles to stop it like a machine that went away."""

    name: str
    address: str
    netns: str
    veth: str
    state: Path
    podman: PodmanService
    terminator: subprocess.Popen[bytes]
    sshd: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"tcp://{self.address}:{ENGINE_PORT}"

    @property
    def platform_address(self) -> str:
        """This machine's address on the host's link: the web tier (or PostgreSQL), as the eval host sees it."""
        shown = subprocess.run(["ip", "-4", "-o", "addr", "show", "dev", self.veth], capture_output=True, text=True)
        return shown.stdout.split("inet ")[1].split("/")[0]

    def go_silent(self) -> None:
        """The host stops answering, as a machine that went away: nothing listens on its address any more."""
        _end(self.terminator)

    def answer_again(self) -> None:
        self.terminator = _start_terminator(self.netns, self.state)
        _wait_for_tls_port(self.address, self.terminator, self.state / "haproxy.log")

    @property
    def ssh_url(self) -> str:
        return f"ssh://root@{self.address}{self.podman.socket}"

    def ssh_dir(self, path: Path, *, stranger_key: bool = False, wrong_host_key: bool = False) -> Path:
        """What a worker holds to reach this host over SSH: known_hosts and id_ed25519 (this host's, unless told)."""
        path.mkdir(parents=True, exist_ok=True)
        host_key = _new_key(path / "other_host_key") if wrong_host_key else self.state / "ssh_host_key"
        (path / "known_hosts").write_text(f"{self.address} {(host_key.with_suffix('.pub')).read_text()}")
        key = _new_key(path / "stranger_key") if stranger_key else self.state / "client_key"
        shutil.copyfile(key, path / "id_ed25519")
        (path / "id_ed25519").chmod(0o600)
        return path

    def ssh_silent(self) -> None:
        """The SSH server and every connection it holds end, as when the machine went away."""
        pids = subprocess.run(["ip", "netns", "pids", self.netns], capture_output=True, text=True, check=True).stdout
        for pid in pids.split():  # the listener and each connection's process (named "sshd: root@notty")
            with suppress(OSError):
                if Path(f"/proc/{pid}/comm").read_text().strip() == "sshd":
                    os.kill(int(pid), signal.SIGKILL)
        if self.sshd is not None:
            self.sshd.wait(timeout=10)

    def ssh_again(self, *, config: str = "") -> None:
        """Start sshd (again), with ``config``'s lines added to its configuration when given."""
        (self.state / "sshd_config").write_text(SSHD_CONFIG.format(address=self.address, state=self.state) + config)
        self.sshd = _start_sshd(self.netns, self.address, self.state)


def _free_subnet() -> tuple[str, str]:
    """Two addresses of a /30 in 10.231.0.0/16 that no interface here uses (parallel test processes pick apart)."""
    used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True, check=True).stdout
    while True:
        third, fourth = random.randrange(256), random.randrange(0, 256, 4)
        prefix = f"10.231.{third}."
        if f"{prefix}{fourth + 1}/" not in used and f"{prefix}{fourth + 2}/" not in used:
            return f"{prefix}{fourth + 1}", f"{prefix}{fourth + 2}"


def _ip(*argv: str) -> None:
    done = subprocess.run(["ip", *argv], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(argv)}: {done.stderr.strip()}")


def _end(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_for_tls_port(address: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + READY_S
    while True:
        with suppress(OSError), socket.create_connection((address, ENGINE_PORT), timeout=1):
            return
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"haproxy did not listen on {address}:{ENGINE_PORT}: {log.read_text()[-800:]}")
        time.sleep(0.05)


HAPROXY_CONFIG = """\
global
    maxconn 512
defaults
    mode tcp
    timeout connect 5s
    timeout client 1h
    timeout server 1h
frontend engine
    bind {address}:{port} ssl crt {server_pem} ca-file {ca} verify required
    default_backend podman
backend podman
    server podman unix@{socket}
"""


@contextmanager
def eval_host(
    name: str, certificates: Certificates, *, ssh: bool = False, own_locks: bool = True
) -> Iterator[EvalHostLab]:
    """Start one eval host (namespace, podman, TLS terminator, and sshd if asked); everything is removed afterwards.

    Its files are under a short /tmp path: podman refuses a run root longer than 50 characters. Its podman
    has a lock table of its own, as on another machine (``own_locks``, see :func:`podman_argv`): eval hosts
    of the tests and benches never fill this machine's.
    """
    tag = f"{os.getpid()}x{next(_hosts_made)}"  # unique on this machine while this process lives
    netns, veth = f"pt-{name}-{tag}", f"pv{tag}"
    ours, theirs = _free_subnet()
    state = Path(tempfile.mkdtemp(prefix=f"pt-{name}-"))
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, state, ignore_errors=True)
        _ip("netns", "add", netns)
        cleanup.callback(subprocess.run, ["ip", "netns", "del", netns], check=False)
        _ip("link", "add", veth, "type", "veth", "peer", "name", f"{veth}i")
        cleanup.callback(subprocess.run, ["ip", "link", "del", veth], check=False, capture_output=True)
        _ip("link", "set", f"{veth}i", "netns", netns)
        _ip("addr", "add", f"{ours}/30", "dev", veth)
        _ip("link", "set", veth, "up")
        _ip("netns", "exec", netns, "ip", "addr", "add", f"{theirs}/30", "dev", f"{veth}i")
        _ip("netns", "exec", netns, "ip", "link", "set", f"{veth}i", "up")
        _ip("netns", "exec", netns, "ip", "link", "set", "lo", "up")
        _ip("netns", "exec", netns, "ip", "route", "add", "default", "via", ours)  # other machines: through ours
        podman = PodmanService(state / "podman", netns=netns, own_locks=own_locks)
        podman.start()
        cleanup.callback(podman.stop)
        config = state / "haproxy.cfg"
        config.write_text(
            HAPROXY_CONFIG.format(
                address=theirs,
                port=ENGINE_PORT,
                server_pem=certificates.server_pem(theirs, state / "server.pem"),
                ca=state / "ca.pem",
                socket=podman.socket,
            )
        )
        certificates.ca.cert_pem.write_to_path(str(state / "ca.pem"))
        lab = EvalHostLab(name, theirs, netns, veth, state, podman, _start_terminator(netns, state))
        cleanup.callback(lambda: _end(lab.terminator))
        _wait_for_tls_port(theirs, lab.terminator, state / "haproxy.log")
        if ssh:
            _new_key(state / "ssh_host_key")
            _new_key(state / "client_key")
            (state / "authorized_keys").write_text((state / "client_key.pub").read_text())
            lab.ssh_again()
            cleanup.callback(lab.ssh_silent)
        yield lab


SSHD_CONFIG = """\
ListenAddress {address}
HostKey {state}/ssh_host_key
AuthorizedKeysFile {state}/authorized_keys
PidFile none
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
AllowTcpForwarding local
AllowStreamLocalForwarding yes
X11Forwarding no
PermitTTY yes
"""


def _new_key(path: Path) -> Path:
    """An ed25519 key pair at ``path`` and ``path.pub``."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)], check=True)
    return path


def _start_sshd(netns: str, address: str, state: Path) -> subprocess.Popen[bytes]:
    """sshd in the host's namespace on port 22, logging to ``state``; returns once it listens."""
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # its privilege separation directory
    with open(state / "sshd.log", "ab") as output:
        process = subprocess.Popen(
            ["ip", "netns", "exec", netns, "/usr/sbin/sshd", "-D", "-e", "-f", str(state / "sshd_config")],
            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + READY_S
    while True:
        with suppress(OSError), socket.create_connection((address, 22), timeout=1):
            return process
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"sshd did not listen on {address}:22: {(state / 'sshd.log').read_text()[-800:]}")
        time.sleep(0.05)


def _start_terminator(netns: str, state: Path) -> subprocess.Popen[bytes]:
    """haproxy in the host's namespace, with ``state``'s configuration, appending to its log."""
    with open(state / "haproxy.log", "ab") as output:
        return subprocess.Popen(
            ["ip", "netns", "exec", netns, "haproxy", "-db", "-f", str(state / "haproxy.cfg")],
            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip


@contextmanager
def net_keeper_without_rights(client: Any) -> Iterator[None]:
    """The engine's egress keeper replaced by one that cannot enter a namespace (not privileged, own pids)."""
    from practica.sandbox.docker_images import ensure_image
    from practica.sandbox.docker_runtime import host_mounts
    from practica.sandbox.egress import NET_KEEPER
    from practica.sandbox.environments import HOST

    for found in client.containers.list(all=True, filters={"name": NET_KEEPER}):
        found.remove(force=True)  # the engine's own, made by an earlier test; made again when next needed
    keeper = client.containers.create(
        ensure_image(client, HOST), ["sleep", "infinity"], name=NET_KEEPER, network_mode="none", mounts=host_mounts()
    )
    try:
        yield
    finally:
        keeper.remove(force=True)
