"""Eval hosts for tests: each a network namespace with its own podman, serving the Docker API over TLS.

As ``../shared/RECIPES.md`` describes a second host on one machine: a
namespace joined to this one by a veth pair on a /30 of its own, a podman
service inside it on a unix socket, and haproxy inside it terminating TLS
on the namespace's address and requiring a client certificate from the
test's CA. The platform (the test) reaches each host only at
``tcp://ADDRESS:2376``, as it would a machine across the network.
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

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

    @property
    def url(self) -> str:
        return f"tcp://{self.address}:{ENGINE_PORT}"

    def go_silent(self) -> None:
        """The host stops answering, as a machine that went away: nothing listens on its address any more."""
        _end(self.terminator)

    def answer_again(self) -> None:
        self.terminator = _start_terminator(self.netns, self.state)
        _wait_for_tls_port(self.address, self.terminator, self.state / "haproxy.log")


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
def eval_host(name: str, certificates: Certificates) -> Iterator[EvalHostLab]:
    """Start one eval host (namespace, podman, TLS terminator); everything is removed afterwards.

    Its files are under a short /tmp path: podman refuses a run root longer than 50 characters.
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
        podman = PodmanService(state / "podman", netns=netns)
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
        yield lab


def _start_terminator(netns: str, state: Path) -> subprocess.Popen[bytes]:
    """haproxy in the host's namespace, with ``state``'s configuration, appending to its log."""
    with open(state / "haproxy.log", "ab") as output:
        return subprocess.Popen(
            ["ip", "netns", "exec", netns, "haproxy", "-db", "-f", str(state / "haproxy.cfg")],
            stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
