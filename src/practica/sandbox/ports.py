"""Reaching a port inside an environment's network namespace from the host (``Runtime.connect_port``).

A socket belongs to the network namespace of the thread that creates it. A
short-lived thread of our own joins the environment's namespace
(``setns``), creates the socket and ends; the event loop then connects it to
``127.0.0.1:PORT`` as seen inside the environment. Nothing of the host's
network is joined to the environment, and no helper process runs inside it.
Needs the right to enter the namespace (root on the host, as the runtimes).
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import socket
import threading

from practica.sandbox.runtime import PortUnreachableError, SandboxError

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def socket_in_namespace(namespace: str) -> socket.socket:
    """A TCP socket created inside the network namespace at ``namespace`` (``/proc/PID/ns/net``)."""
    made: list[socket.socket] = []
    failed: list[BaseException] = []

    def inside() -> None:  # runs in a fresh thread, which ends in the other namespace
        try:
            fd = os.open(namespace, os.O_RDONLY | os.O_CLOEXEC)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    code = ctypes.get_errno()
                    raise OSError(code, os.strerror(code))
            finally:
                os.close(fd)
            made.append(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
        except BaseException as error:
            failed.append(error)

    thread = threading.Thread(target=inside, name="practica-netns", daemon=True)
    thread.start()
    thread.join()
    if failed:
        raise SandboxError(f"cannot enter the environment's network namespace: {failed[0]}")
    return made[0]


CONNECT_SECONDS = 5.0


async def connect_in_namespace(namespace: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    if not 0 < port < 65536:
        raise PortUnreachableError(f"{port} is not a port")
    sock = socket_in_namespace(namespace)
    sock.setblocking(False)
    try:
        await asyncio.wait_for(asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port)), CONNECT_SECONDS)
    except (OSError, TimeoutError) as error:
        sock.close()
        raise PortUnreachableError(f"nothing answers on port {port} in the environment") from error
    return await asyncio.open_connection(sock=sock)
