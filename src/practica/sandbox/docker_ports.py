"""Reaching a port inside a container through the engine's API (the docker runtime's ``connect_port``).

An engine exec runs the exec agent as ``exec-agent --dial PORT`` as the
environment's user: inside the container it connects to ``127.0.0.1:PORT``,
answers ``C`` (or ``F`` and why), then relays its stdin and stdout to the
connection. Here the exec's attached socket is bridged to one end of a local
socket pair by two threads, and the event loop gets the other end as
streams. Nothing needs the container's network namespace, the engine's host
or a privilege: the same path serves an engine on another machine.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import suppress
from typing import Any

from practica.sandbox.docker_agent import AGENT_IN_CONTAINER
from practica.sandbox.docker_exec import close_attached, output_frames, raw_socket
from practica.sandbox.runtime import PortUnreachableError

STDOUT = 1
# After the client has gone, how long the server may still answer before the relay is cut.
LINGER_S = 30.0


def _open(api: Any, container_id: str, user: str, port: int) -> tuple[Any, Iterator[tuple[int, bytes]], bytes]:
    """Start the relay; its attached exec, its output frames and what came after the ``C``."""
    created = api.exec_create(container_id, [AGENT_IN_CONTAINER, "--dial", str(port)], stdin=True, user=user)
    attached = api.exec_start(created["Id"], socket=True)
    raw_socket(attached).settimeout(None)
    frames = output_frames(attached, tty=False)
    answer = b""
    for number, data in frames:
        if number == STDOUT:
            answer = data
            break
    if answer[:1] != b"C":
        close_attached(attached)
        why = answer[1:].decode(errors="replace") or "the relay ended"
        raise PortUnreachableError(f"nothing answers on port {port} in the environment ({why})")
    return attached, frames, answer[1:]


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


def _client_to_server(ours: socket.socket, attached: Any, answering: threading.Thread) -> None:
    raw = raw_socket(attached)
    try:
        while chunk := ours.recv(65536):
            raw.sendall(chunk)
        raw.shutdown(socket.SHUT_WR)  # the server sees the client's end, and may still answer
    except OSError:
        pass
    answering.join(LINGER_S)
    close_attached(attached)
    answering.join()
    ours.close()


async def connect_through_agent(
    api: Any, container_id: str, user: str, port: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    if not 0 < port < 65536:
        raise PortUnreachableError(f"{port} is not a port")
    attached, frames, first = await asyncio.to_thread(_open, api, container_id, user, port)
    ours, theirs = socket.socketpair()
    answering = threading.Thread(target=_server_to_client, args=(frames, first, ours), daemon=True)
    answering.start()
    threading.Thread(target=_client_to_server, args=(ours, attached, answering), daemon=True).start()
    return await asyncio.open_connection(sock=theirs)
