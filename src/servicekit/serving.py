"""Serving an ASGI app from several processes, each with a listening socket of its own.

uvicorn's ``--workers`` shares one listening socket among its processes, and
the process that wakes first accepts most of a burst of new connections: 50
keep-alive clients were measured split 39 / 11 between two processes, and the
busier one set the p99. Here every process binds its own socket with
``SO_REUSEPORT``, so the kernel spreads connections across them by a hash of
the client's address and port instead. The parent only starts the processes
and stops them all on SIGTERM / SIGINT, or as soon as one of them ends (the
service's own supervisor, ``practica up`` or systemd, restarts the lot).
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import time
from typing import Any

import uvicorn


def serve(app: str, *, host: str, port: int, workers: int, **options: Any) -> None:
    """``uvicorn.run(app, host=host, port=port, **options)``, in ``workers`` processes when more than one."""
    if workers <= 1:
        uvicorn.run(app, host=host, port=port, **options)
        return
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_serve_one, args=(app, host, port, options)) for _ in range(workers)]
    for process in processes:
        process.start()
    stopping = False

    def stop(_signal: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, stop)
    while not stopping and all(process.is_alive() for process in processes):
        time.sleep(0.2)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join()
    if not stopping:
        raise SystemExit(1)  # a process ended on its own: say so to whoever restarts the service


def _serve_one(app: str, host: str, port: int, options: dict[str, Any]) -> None:
    listening = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    listening.bind((host, port))
    listening.set_inheritable(True)
    uvicorn.Server(uvicorn.Config(app, host=host, port=port, **options)).run(sockets=[listening])
