"""Eval hosts reached over SSH: the engine's unix socket, forwarded by OpenSSH to a private socket here.

An SSH eval host is ``ssh://USER@HOST[:PORT]/PATH/OF/THE/ENGINE.SOCK`` (the
path defaults to ``/var/run/docker.sock``; podman serves
``/run/podman/podman.sock``). Its credentials directory holds:

- ``known_hosts``: the host's key. An unknown or changed key is refused,
  never learned (``StrictHostKeyChecking=yes``).
- the private key, ``id_ed25519``, ``id_ecdsa`` or ``id_rsa`` (the first
  found), readable only by the user the workers run as.

Nothing else of the machine's SSH set-up is read (no ``~/.ssh/config``, no
agent), so every worker reaches a host the same way.

Why OpenSSH's own socket forwarding and not docker-py's ``ssh://``: docker-py
runs ``docker system dial-stdio`` on the host, which a podman host does not
have. A forwarded socket serves any engine that has its API on a unix
socket, and a terminal's or an exec's attached stream is then a plain socket
here, as with a local engine.

Each client has one ``ssh`` process, owned by a thread of its own (see
:class:`SshTunnel` for the session it runs). The
client waits for the first connection, so a refusal (host key,
authentication, no SSH server) is told at once, in ssh's words. A tunnel that
ends later (the host went away, the connection broke) is started again every
:data:`RESTART_S` seconds, so a client made once serves again when the host
answers.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import docker
import structlog

from practica.hosts.errors import EngineError

log = structlog.get_logger(__name__)
DEFAULT_ENGINE_SOCKET = "/var/run/docker.sock"
KEY_FILES = ("id_ed25519", "id_ecdsa", "id_rsa")
READY_S = 15.0  # for the first connection: the SSH handshake, and ssh's own ConnectTimeout below
RESTART_S = 1.0
SSH_FAILED = 255  # ssh's own exit status for its failures; any other is the remote command's
SESSION_UP = b"practica-tunnel-up"
SESSION_COMMAND = f"echo {SESSION_UP.decode()}; exec sleep 2147483647"
_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}")
_HOST = re.compile(r"[A-Za-z0-9][A-Za-z0-9.:-]*")
_SOCKET = re.compile(r"/[A-Za-z0-9_.,+@/-]*")
_PR_SET_PDEATHSIG = 1
_prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here: the child after fork only calls it
_open_tunnels: set[SshTunnel] = set()


@dataclass(frozen=True)
class SshTarget:
    """Where an SSH eval host's engine is: the login, and the engine's socket on that machine."""

    url: str
    user: str
    host: str
    port: int
    socket: str


def parse_ssh_url(url: str) -> SshTarget:
    """``ssh://USER@HOST[:PORT][/SOCKET]``; an :class:`EngineError` naming the part that is wrong."""
    parts = urlsplit(url)
    try:
        port = parts.port or 22
    except ValueError:
        raise EngineError(f"{url}: the port is not a number") from None
    user, host = parts.username or "", parts.hostname or ""
    if not _USER.fullmatch(user):
        raise EngineError(f"{url}: expected ssh://USER@HOST[:PORT]/ENGINE-SOCKET (the user is missing or odd)")
    if not _HOST.fullmatch(host):
        raise EngineError(f"{url}: expected ssh://USER@HOST[:PORT]/ENGINE-SOCKET (the host is missing or odd)")
    if parts.password is not None or parts.query or parts.fragment:
        raise EngineError(f"{url}: no password, query or fragment (the key is in the credentials directory)")
    socket = parts.path or DEFAULT_ENGINE_SOCKET
    if not _SOCKET.fullmatch(socket) or "/../" in f"{socket}/":
        raise EngineError(f"{url}: the engine's socket {socket!r} must be a plain absolute path")
    return SshTarget(url, user, host, port, socket)


def key_file(credentials: Path) -> Path:
    """The private key in ``credentials``, with ``known_hosts`` checked to be there too."""
    if not (credentials / "known_hosts").is_file():
        raise EngineError(f"{credentials}: missing known_hosts (the host's key, as ssh-keyscan prints it)")
    for name in KEY_FILES:
        if (credentials / name).is_file():
            return credentials / name
    raise EngineError(f"{credentials}: missing the private key ({', '.join(KEY_FILES)})")


class SshTunnel:
    """One ``ssh`` forwarding a private socket here to an engine's socket, restarted when it ends.

    The forward rides a session that runs ``sleep`` in a terminal on the host: sshd sends small packets
    at once (``TCP_NODELAY``) only for sessions with a terminal, and without it each exec through the
    tunnel waited ~40 ms on a delayed acknowledgement (Nagle's algorithm on sshd's side; measured
    48 ms against 5 ms). A login that runs no command (``nologin``, a forced command, no terminal) ends
    that session with the command's exit status, not ssh's 255: the tunnel then forwards alone (``-N``).
    """

    def __init__(self, target: SshTarget, credentials: Path) -> None:
        self.target = target
        self._key = key_file(credentials)
        self._known_hosts = credentials / "known_hosts"
        self._directory = Path(tempfile.mkdtemp(prefix="practica-ssh-"))  # 0700: only this user reaches the engine
        self.socket = self._directory / "engine.sock"
        self._errors = self._directory / "ssh.err"
        self._closed = threading.Event()
        self._settled = threading.Event()
        self._refusal: str | None = None
        self.in_terminal = True
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def argv(self) -> list[str]:
        """The ssh command: this key and these known hosts only, the forward, keep-alives, and the session."""
        options = {
            "BatchMode": "yes",
            "StrictHostKeyChecking": "yes",
            "UserKnownHostsFile": str(self._known_hosts),
            "GlobalKnownHostsFile": "/dev/null",
            "IdentitiesOnly": "yes",
            "IdentityAgent": "none",
            "ExitOnForwardFailure": "yes",
            "StreamLocalBindUnlink": "yes",
            "ConnectTimeout": "10",
            "ServerAliveInterval": "5",
            "ServerAliveCountMax": "3",
            "ControlMaster": "no",
            "ControlPath": "none",
            "LogLevel": "INFO",  # errors, and a refused channel (no engine socket)
        }
        session = ["-tt"] if self.in_terminal else ["-N", "-T"]
        argv = ["ssh", *session, "-F", "/dev/null", "-i", str(self._key), "-p", str(self.target.port)]
        for name, value in options.items():
            argv += ["-o", f"{name}={value}"]
        argv += ["-l", self.target.user, "-L", f"{self.socket}:{self.target.socket}", "--", self.target.host]
        return [*argv, SESSION_COMMAND] if self.in_terminal else argv

    def open(self, timeout: float = READY_S) -> None:
        """Start the tunnel and wait until it forwards; an :class:`EngineError` with ssh's reason if it does not."""
        if shutil.which("ssh") is None:
            raise EngineError(f"{self.url}: the ssh client is not installed here (apt-get install openssh-client)")
        threading.Thread(target=self._keep_open, name=f"ssh-{self.target.host}", daemon=True).start()
        if not self._settled.wait(timeout) or self._refusal is not None:
            reason = self._refusal or self.last_error() or "no answer in time"
            self.close()
            raise EngineError(f"{self.url}: ssh refused: {explain(reason, self._key, self._known_hosts)}")
        _open_tunnels.add(self)

    @property
    def url(self) -> str:
        return self.target.url

    def last_error(self) -> str:
        """ssh's last line (it logs errors and refused channels only), or ''."""
        try:
            lines = self._errors.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return lines[-1][:300] if lines else ""

    def close(self) -> None:
        """End the tunnel for good, and remove its socket."""
        self._closed.set()
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                self._process.terminate()
        _open_tunnels.discard(self)
        shutil.rmtree(self._directory, ignore_errors=True)

    def _keep_open(self) -> None:
        """The thread owning ssh (it dies with this thread): started, waited for, and started again if it ends."""
        while (process := self._spawn()) is not None:
            if self._forwards(process):
                self._settled.set()
            code = process.wait()
            if process.stdout is not None:
                process.stdout.close()
            if self._closed.is_set():
                return
            if self.in_terminal and code != SSH_FAILED:
                self.in_terminal = False
                log.info("hosts.ssh_without_terminal", url=self.url, code=code, error=self.last_error())
                continue
            if not self._settled.is_set():
                self._refusal = self.last_error() or f"ssh ended with exit code {code}"
                self._settled.set()
                return
            log.warning("hosts.ssh_tunnel_ended", url=self.url, code=code, error=self.last_error())
            if self._closed.wait(RESTART_S):
                return

    def _spawn(self) -> subprocess.Popen[bytes] | None:
        """A new ssh process, its stale socket removed first (so that the socket's being there means it forwards)."""
        with self._lock:
            if self._closed.is_set():
                return None
            self.socket.unlink(missing_ok=True)
            with open(self._errors, "wb") as errors:
                self._process = subprocess.Popen(
                    self.argv(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors,
                    preexec_fn=_die_with_parent_thread,
                )  # fmt: skip
            return self._process

    def _forwards(self, process: subprocess.Popen[bytes]) -> bool:
        """Whether ``process`` came up: its session said so (in a terminal), and its socket is there."""
        assert process.stdout is not None
        if self.in_terminal:
            said = b""
            while SESSION_UP not in said:
                if not (chunk := os.read(process.stdout.fileno(), 256)):
                    return False
                said += chunk
        while not self.socket.exists():
            if process.poll() is not None:
                return False
            time.sleep(0.01)
        return True


def explain(reason: str, key: Path, known_hosts: Path) -> str:
    """ssh's error line, with what the operator can do about the common ones."""
    if "Host key verification failed" in reason or "REMOTE HOST IDENTIFICATION HAS CHANGED" in reason:
        return f"the host's key is not the one in {known_hosts} ({reason})"
    if "Permission denied" in reason:
        return f"the host did not accept the key {key} ({reason})"
    if "UNPROTECTED PRIVATE KEY" in reason or "bad permissions" in reason:
        return f"{key} is readable by others: chmod 600 it ({reason})"
    return reason


def _die_with_parent_thread() -> None:
    """In the child before exec: end with the thread that started it, so no tunnel outlives its process."""
    _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class TunnelledClient(docker.DockerClient):  # type: ignore[misc]
    """A ``docker.DockerClient`` on an :class:`SshTunnel`'s socket; closing it ends the tunnel."""

    def __init__(self, tunnel: SshTunnel, **options: Any) -> None:
        super().__init__(base_url=f"unix://{tunnel.socket}", **options)
        self.tunnel = tunnel

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.tunnel.close()


def ssh_engine_client(url: str, credentials: Path, **options: Any) -> TunnelledClient:
    """A client of the engine at ``url`` through a tunnel opened now; :class:`EngineError` if ssh refuses."""
    tunnel = SshTunnel(parse_ssh_url(url), credentials)
    tunnel.open()
    return TunnelledClient(tunnel, **options)


def engine_socket_missing(client: Any) -> str | None:
    """Why requests through ``client``'s tunnel failed when ssh said so (no socket at the path), else None."""
    tunnel = getattr(client, "tunnel", None)
    if isinstance(tunnel, SshTunnel) and "open failed" in (error := tunnel.last_error()):
        return f"nothing serves {tunnel.target.socket} on the host, or {tunnel.target.user} may not use it ({error})"
    return None


@atexit.register
def _close_open_tunnels() -> None:
    for tunnel in list(_open_tunnels):
        tunnel.close()
