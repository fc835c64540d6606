"""Reaching a port inside a container through the engine's API (the docker runtime's ``connect_port``).

An agent session of the container's pool is asked to dial ``127.0.0.1:PORT``
inside the container and becomes a relay: its stdin goes to the connection,
the connection to its stdout (``relay`` in ``exec-agent/main.go``). Here the
session's attached exec is bridged to one end of a local socket pair by two
threads, and the event loop gets the other end as streams. A relay is not
reused: the pool is given a fresh session in the background, so the next
connection finds one started. Nothing needs the container's network
namespace, the engine's host or a privilege (an unprivileged gateway, an
engine on another machine).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import suppress

from practica.sandbox.docker_agent import AgentGoneError, AgentLostError, AgentPool, AgentSession
from practica.sandbox.docker_exec import raw_socket
from practica.sandbox.runtime import PortUnreachableError, SandboxError

STDOUT = 1
ATTEMPTS = 3
# After the client has gone, how long the server may still answer before the relay is cut.
LINGER_S = 30.0


def _replenish(pool: AgentPool, container: str, user: str) -> None:
    """Start a session for the pool in place of the one that became a relay (the container may have stopped)."""
    with suppress(Exception):
        pool.give_back(container, AgentSession(pool.api, container, user))


def _relay(pool: AgentPool, container: str, user: str, port: int) -> tuple[AgentSession, bytes]:
    for _attempt in range(ATTEMPTS):
        session = pool.take(container, user)
        try:
            first = session.dial(port)
        except (AgentGoneError, AgentLostError):
            session.close()
            continue
        if first is None:
            pool.give_back(container, session)
            raise PortUnreachableError(f"nothing answers on port {port} in the environment")
        threading.Thread(target=_replenish, args=(pool, container, user), daemon=True).start()
        return session, first
    raise SandboxError(f"the exec agent ended {ATTEMPTS} times before it could relay port {port}")


def _server_to_client(frames: Iterator[tuple[int, bytes]], first: bytes, ours: socket.socket) -> None:
    try:
        if first:
            ours.sendall(first)
        for number, data in frames:
            if number == STDOUT:
                ours.sendall(data)
    except (OSError, ValueError):  # the client closed, or the exec's socket was closed under the read
        pass
    finally:
        with suppress(OSError):
            ours.shutdown(socket.SHUT_WR)


def _client_to_server(ours: socket.socket, session: AgentSession, answering: threading.Thread) -> None:
    raw = raw_socket(session.attached)
    try:
        while chunk := ours.recv(65536):
            raw.sendall(chunk)
        raw.shutdown(socket.SHUT_WR)  # the server sees the client's end, and may still answer
    except OSError:
        pass
    answering.join(LINGER_S)
    session.close()
    answering.join()
    ours.close()


async def connect_through_agent(
    pool: AgentPool, container: str, user: str, port: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    if not 0 < port < 65536:
        raise PortUnreachableError(f"{port} is not a port")
    session, first = await asyncio.to_thread(_relay, pool, container, user, port)
    ours, theirs = socket.socketpair()
    answering = threading.Thread(target=_server_to_client, args=(session.frames, first, ours), daemon=True)
    answering.start()
    threading.Thread(target=_client_to_server, args=(ours, session, answering), daemon=True).start()
    return await asyncio.open_connection(sock=theirs)
