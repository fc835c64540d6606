"""An eval host's Docker Engine API, reached over TLS with a client certificate, or over SSH.

Over SSH (``ssh://USER@HOST/ENGINE-SOCKET``) see :mod:`practica.hosts.ssh`.
Over TLS (``tcp://HOST:PORT``), the certificate directory follows Docker's own convention (what
``docker --tlsverify`` and ``DOCKER_CERT_PATH`` use): ``ca.pem`` signs the
engine's certificate, ``cert.pem`` and ``key.pem`` are this client's. Both
sides are checked: the engine must present a certificate from ``ca.pem`` for
the URL's address, and an engine (or the TLS terminator in front of podman)
that requires client certificates refuses a client without the right one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from practica.hosts.errors import EngineError

CERT_FILES = ("ca.pem", "cert.pem", "key.pem")
# Podman 4 speaks 1.41 (Docker 20.10's); Docker engines still serve it. Fixed, the client asks nothing before it is
# set up (docker-py's "auto" asks the engine while it is being made).
ENGINE_API_VERSION = "1.41"
PROBE_TIMEOUT_S = 10.0


__all__ = ["EngineError", "EngineFacts", "check_url", "engine_address", "engine_client", "is_ssh", "probe"]


@dataclass(frozen=True)
class EngineFacts:
    """What an engine says of itself when it answers."""

    engine: str
    memory: int
    cpus: int
    seccomp: bool = True


def is_ssh(url: str) -> bool:
    return urlsplit(url).scheme == "ssh"


def check_url(url: str) -> None:
    """An :class:`EngineError` saying what is wrong with ``url``, before anything is asked of the network."""
    if is_ssh(url):
        from practica.hosts.ssh import parse_ssh_url

        parse_ssh_url(url)
    else:
        engine_address(url)


def engine_address(url: str) -> str:
    """``tcp://HOST:PORT`` (or ``https://``) as docker-py wants it; anything else is refused with the reason."""
    parts = urlsplit(url)
    if parts.scheme not in ("tcp", "https"):
        raise EngineError(
            f"{url}: an eval host is reached as tcp://HOST:PORT over TLS or ssh://USER@HOST/ENGINE-SOCKET "
            f"(got {parts.scheme or 'no'} scheme)"
        )
    try:
        port = parts.port
    except ValueError:
        raise EngineError(f"{url}: the port is not a number") from None
    if not parts.hostname or port is None or parts.path not in ("", "/"):
        raise EngineError(f"{url}: expected tcp://HOST:PORT, nothing after the port")
    return f"https://{parts.netloc}"


def cert_paths(cert_dir: Path) -> dict[str, Path]:
    """The three files of ``cert_dir``, each checked to be there."""
    paths = {name: cert_dir / name for name in CERT_FILES}
    missing = [name for name, path in paths.items() if not path.is_file()]
    if missing:
        raise EngineError(f"{cert_dir}: missing {', '.join(missing)} (needs {', '.join(CERT_FILES)})")
    return paths


def engine_client(url: str, cert_dir: Path, timeout: float = 120.0) -> Any:
    """A ``docker.DockerClient`` for the engine at ``url``, verifying it and presenting this client's credentials.

    Over SSH this opens the tunnel, and so waits for the host (an :class:`EngineError` if ssh is refused);
    over TLS nothing is asked before the first request.
    """
    import docker
    from docker.tls import TLSConfig

    if is_ssh(url):
        from practica.hosts.ssh import ssh_engine_client

        return ssh_engine_client(url, cert_dir, timeout=timeout, version=ENGINE_API_VERSION)

    paths = cert_paths(cert_dir)
    tls = TLSConfig(
        client_cert=(str(paths["cert.pem"]), str(paths["key.pem"])), ca_cert=str(paths["ca.pem"]), verify=True
    )
    client = docker.DockerClient(base_url=engine_address(url), tls=tls, timeout=timeout, version=ENGINE_API_VERSION)
    # requests lets REQUESTS_CA_BUNDLE (set system-wide on many hosts) replace the session's CA, and sends through
    # HTTP proxies from the environment: neither may come between the platform and an engine.
    client.api.trust_env = False
    return client


def probe(url: str, cert_dir: Path, timeout: float = PROBE_TIMEOUT_S) -> EngineFacts:
    """Ask the engine who it is; an :class:`EngineError` saying why when it does not answer as an engine should."""
    import docker.errors
    import requests

    from practica.hosts.ssh import engine_socket_missing

    client = engine_client(url, cert_dir, timeout)
    try:
        version = client.version()
        info = client.info()
    except requests.exceptions.SSLError as error:
        raise EngineError(f"{url}: TLS refused: {_tls_refusal(_reason(error), cert_dir)}") from None
    except (requests.RequestException, docker.errors.DockerException) as error:
        reason = engine_socket_missing(client) or _reason(error)
        raise EngineError(f"{url}: no engine answers: {reason}") from None
    finally:
        client.close()
    components = [str(c.get("Name", "")) for c in version.get("Components") or []]
    name = "podman" if any("podman" in c.lower() for c in components) else "docker"
    return EngineFacts(
        engine=f"{name} {version.get('Version', '?')}",
        memory=int(info.get("MemTotal") or 0),
        cpus=int(info.get("NCPU") or 0),
        seccomp=any(str(option).startswith("name=seccomp") for option in info.get("SecurityOptions") or []),
    )


def _tls_refusal(reason: str, cert_dir: Path) -> str:
    """Which side refused: this client the engine's certificate, or the engine this client's."""
    if "CERTIFICATE_VERIFY_FAILED" in reason:
        return f"the engine's certificate is not signed by {cert_dir / 'ca.pem'} for this address ({reason})"
    return f"the engine did not accept the client certificate {cert_dir / 'cert.pem'} ({reason})"


def _reason(error: BaseException) -> str:
    """The innermost cause's message: requests wraps urllib3, which wraps the socket's or ssl's error."""
    while error.__context__ is not None and error.__context__ is not error:
        error = error.__context__
    text = str(error) or type(error).__name__
    return text[:300]
