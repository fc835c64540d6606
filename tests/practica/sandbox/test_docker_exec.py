"""The docker runtime's exec output: frames the HTTP layer buffered with the upgrade's headers are not lost.

Under load the engine can send an exec's whole output right behind its
``101 UPGRADED`` answer; reading the headers then takes the frames into the
response's buffer. A real socket pair and Python's own HTTP response stand in
for that moment, byte for byte, as the ``docker`` package sees it.
"""

from __future__ import annotations

import http.client
import socket
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace

from practica.sandbox.docker_exec import output_frames

UPGRADE = b"HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nUpgrade: tcp\r\n\r\n"


def _frame(stream: int, data: bytes) -> bytes:
    return struct.pack(">BxxxL", stream, len(data)) + data


@contextmanager
def _attached(sent: bytes) -> Iterator[object]:
    """What ``exec_start(socket=True)`` returns once the engine sent ``sent`` at once and hung up."""
    ours, engines = socket.socketpair()
    with ours, engines:
        engines.sendall(sent)
        engines.shutdown(socket.SHUT_WR)
        response = http.client.HTTPResponse(ours)
        response.begin()  # reads the headers through its buffered reader, taking what followed along
        attached = response.fp.raw  # type: ignore[union-attr]  # the bare socket the docker package hands out
        attached._response = SimpleNamespace(raw=SimpleNamespace(_fp=response))  # as docker's APIClient keeps it
        yield attached
        response.close()


def test_frames_sent_with_the_headers_are_read() -> None:
    output = _frame(2, b"sh: 1: cannot create /evil: Read-only file system\n") + _frame(1, b"done\n")
    with _attached(UPGRADE + output) as attached:
        frames = list(output_frames(attached, tty=False))

    assert frames == [(2, b"sh: 1: cannot create /evil: Read-only file system\n"), (1, b"done\n")]


def test_a_terminal_stream_sent_with_the_headers_is_read() -> None:
    with _attached(UPGRADE + b"$ prompt ") as attached:
        assert b"".join(data for _, data in output_frames(attached, tty=True)) == b"$ prompt "


def test_a_frame_cut_short_ends_the_stream_with_what_came() -> None:
    with _attached(UPGRADE + _frame(1, b"whole\n") + struct.pack(">BxxxL", 1, 100) + b"part") as attached:
        assert list(output_frames(attached, tty=False)) == [(1, b"whole\n"), (1, b"part")]
