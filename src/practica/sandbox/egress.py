"""The fence around an eval host's ``egress`` environments: the internet, yes; the platform and its hosts, no.

An environment whose lesson allows ``network: egress`` leaves through its
engine's network (slirp4netns on podman, a bridge on Docker) from the eval
host's own address. Without a fence it could open any address that host
can: the web tier, PostgreSQL, the other eval hosts' engines, a cloud's
metadata service. The engine's API has no option that says "not there", so
the fence is an nftables table in the environment's own network namespace,
put there after each start and before the environment is handed out:

- an ``output`` chain rejects every address of ``PRACTICA_SANDBOX_EGRESS_DENIED``
  (private, shared, link-local and reserved ranges by default) and the eval host's own addresses;
- DNS (port 53) and the environment's own loopback stay open, so a name
  still resolves through the engine's resolver;
- the learner's processes hold no capability, so they cannot change it.

It is written by ``nft`` of the eval host, entered into the namespace by
``nsenter`` in one long-lived privileged container per engine
(:data:`NET_KEEPER`), an exec each time (a container each time cost most of
a second).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from practica.sandbox.docker_images import ensure_image
from practica.sandbox.docker_runtime import host_mounts
from practica.sandbox.environments import HOST
from practica.sandbox.keepers import long_lived_container
from practica.sandbox.runtime import SandboxError
from practica.sandbox.settings import Network

TABLE = "practica_egress"
NET_KEEPER = "practica-net-keeper"
# $1 the environment's first process (a pid of the eval host), $2 the ruleset.
FENCE = """printf '%s\\n' "$2" | nsenter --target "$1" --net -- nft -f -"""  # one transaction: all or nothing


def engine_addresses(url: str) -> list[Network]:
    """The addresses of the machine behind an engine's URL (``tcp://``, ``ssh://``); none for a local socket."""
    host = urlsplit(url).hostname
    if not host or url.startswith(("unix:", "npipe:")):
        return []
    try:
        found = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return []
    return [ipaddress.ip_network(str(entry[4][0])) for entry in found]


def ruleset(denied: Iterable[Network]) -> str:
    """The nftables table that rejects ``denied`` from a network namespace's own traffic."""
    v4 = list(ipaddress.collapse_addresses(n for n in denied if isinstance(n, ipaddress.IPv4Network)))
    v6 = list(ipaddress.collapse_addresses(n for n in denied if isinstance(n, ipaddress.IPv6Network)))
    rules = [
        'oif "lo" accept',
        "meta l4proto { tcp, udp } th dport 53 accept",
        *([f"ip daddr {{ {', '.join(map(str, v4))} }} reject with icmpx type admin-prohibited"] if v4 else []),
        *([f"ip6 daddr {{ {', '.join(map(str, v6))} }} reject with icmpx type admin-prohibited"] if v6 else []),
    ]
    body = "\n".join(f"    {rule}" for rule in rules)
    return (
        f"table inet {TABLE} {{\n  chain output {{\n    type filter hook output priority filter; policy accept;\n"
        f"{body}\n  }}\n}}\n"
    )


def fence(client: Any, container: Any, denied: Iterable[Network]) -> None:
    """Put :func:`ruleset` into the running ``container``'s network namespace, or raise SandboxError."""
    import docker.errors

    container.reload()
    pid = int(container.attrs.get("State", {}).get("Pid") or 0)
    if pid <= 0:
        raise SandboxError(f"the environment's container {container.name} is not running: its network is not fenced")
    try:
        done = _net_keeper(client).exec_run(["sh", "-c", FENCE, "sh", str(pid), ruleset(denied)], user="0")
    except docker.errors.APIError as error:
        raise SandboxError(f"the eval host could not fence an environment's network: {error}") from error
    if done.exit_code != 0:
        output = done.output.decode(errors="replace").strip()[-300:]
        raise SandboxError(f"the eval host could not fence an environment's network (nft, nsenter): {output}")


def _net_keeper(client: Any) -> Any:
    """The engine's container that enters environments' network namespaces (:data:`NET_KEEPER`).

    Privileged and in the eval host's process namespace (``nsenter`` needs both), with the host's own
    ``/usr`` for ``nft``; it has no network of its own and runs ``sleep``.
    """
    return long_lived_container(
        client,
        NET_KEEPER,
        image=ensure_image(client, HOST),
        command=["sleep", "infinity"],
        mounts=host_mounts(),
        network_mode="none",
        pid_mode="host",
        privileged=True,
    )
