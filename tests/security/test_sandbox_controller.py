"""The sandbox controller's socket, attacked the way a local process would: other uids, bad frames.

Each case sends raw bytes from a real process (one of another uid where the case needs it) and then
checks that the controller still serves a well-formed request.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import socket
import struct
from pathlib import Path
from typing import Any

import pytest

from tests.security.sandbox_controller_fixtures import SERVICE_USER

pytestmark = pytest.mark.sandbox
NOBODY = pwd.getpwnam("nobody").pw_uid


def as_user(socket_path: Path, uid: int, groups: list[int]) -> dict[str, Any]:
    """What a ``list`` request from a process of ``uid`` (with ``groups``) gets: fork, drop to it, ask."""
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover (the child reports through the pipe)
        code = 0
        try:
            os.setgroups(groups)
            os.setgid(groups[0])
            os.setuid(uid)
            os.write(writing, json.dumps(_list_request(socket_path)).encode())
        except BaseException:
            code = 1
        os._exit(code)
    os.close(writing)
    with os.fdopen(reading, "rb") as answer:
        reported = answer.read()
    _pid, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0, reported
    found: dict[str, Any] = json.loads(reported)
    return found


def _list_request(socket_path: Path) -> dict[str, Any]:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(30)
        try:
            sock.connect(str(socket_path))
        except OSError as error:
            return {"connect": error.strerror}
        sock.sendall(frame({"op": "list"}))
        header = sock.recv(4, socket.MSG_WAITALL)
        answer: dict[str, Any] = json.loads(sock.recv(struct.unpack(">I", header)[0], socket.MSG_WAITALL))
        return answer


def exchange(socket_path: Path, raw: bytes) -> dict[str, Any] | None:
    """Send ``raw`` as root, read one frame back (None when the controller only closed the connection)."""
    with socket.socket(socket.AF_UNIX) as sock:
        sock.settimeout(30)
        sock.connect(str(socket_path))
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        header = sock.recv(4, socket.MSG_WAITALL)
        if len(header) < 4:
            return None
        answer: dict[str, Any] = json.loads(sock.recv(struct.unpack(">I", header)[0], socket.MSG_WAITALL))
        return answer


def frame(value: object) -> bytes:
    body = json.dumps(value).encode()
    return struct.pack(">I", len(body)) + body


def still_serving(socket_path: Path) -> None:
    assert exchange(socket_path, frame({"op": "list"})) == {"type": "result", "value": []}


def test_a_peer_of_another_uid_is_refused_even_in_the_sockets_group(controller_socket: Path) -> None:
    """The file's mode lets the group in; SO_PEERCRED still refuses any uid but root and the service user."""
    service_gid = grp.getgrnam(SERVICE_USER).gr_gid
    answer = as_user(controller_socket, NOBODY, [service_gid])
    assert answer["type"] == "error", answer
    assert answer["kind"] == "RequestRefused"
    assert f"uid {NOBODY} may not use the sandbox controller" in answer["message"]
    still_serving(controller_socket)


def test_the_service_user_is_served(controller_socket: Path) -> None:
    service = pwd.getpwnam(SERVICE_USER)
    assert as_user(controller_socket, service.pw_uid, [service.pw_gid]) == {"type": "result", "value": []}


def test_a_peer_outside_the_group_cannot_connect(controller_socket: Path) -> None:
    assert as_user(controller_socket, NOBODY, [NOBODY]) == {"connect": "Permission denied"}
    assert oct(controller_socket.stat().st_mode & 0o777) == "0o660"
    assert oct(controller_socket.parent.stat().st_mode & 0o777) == "0o750"


def test_a_frame_that_is_not_json_is_refused(controller_socket: Path) -> None:
    body = b"\xff{not json"
    answer = exchange(controller_socket, struct.pack(">I", len(body)) + body)
    assert answer is not None
    assert (answer["kind"], answer["message"].startswith("the frame is not JSON")) == ("RequestRefused", True)
    still_serving(controller_socket)


def test_an_oversized_frame_is_refused_unread(controller_socket: Path) -> None:
    answer = exchange(controller_socket, struct.pack(">I", 2**31) + b"{}")
    assert answer is not None
    assert answer["kind"] == "RequestRefused"
    assert f"a frame of {2**31} bytes is over the limit" in answer["message"]
    still_serving(controller_socket)


def test_an_unknown_request_type_is_refused(controller_socket: Path) -> None:
    answer = exchange(controller_socket, frame({"op": "chown", "env_id": "0123456789abcdef", "path": "/etc"}))
    assert answer is not None
    assert answer["kind"] == "RequestRefused"
    assert answer["message"] == "request refused: op: unknown request type 'chown'", answer
    still_serving(controller_socket)


def test_fields_out_of_range_are_refused_by_name(controller_socket: Path) -> None:
    terminal = exchange(controller_socket, frame({"op": "open_terminal", "env_id": "0123456789abcdef", "cols": 10**9}))
    nul_path = exchange(controller_socket, frame({"op": "read_file", "env_id": "0123456789abcdef", "path": "a\x00b"}))
    extra = exchange(controller_socket, frame({"op": "list", "as_uid": 0}))
    assert terminal is not None
    assert nul_path is not None
    assert extra is not None
    assert "open_terminal.cols" in terminal["message"]
    assert "read_file.path" in nul_path["message"]
    assert "list.as_uid" in extra["message"]
    still_serving(controller_socket)


def test_a_frame_cut_short_leaves_the_controller_serving(controller_socket: Path) -> None:
    assert exchange(controller_socket, struct.pack(">I", 100) + b'{"op": "li') is None
    assert exchange(controller_socket, b"\x00\x00") is None
    still_serving(controller_socket)


def test_an_id_that_is_not_the_stores_is_not_found(controller_socket: Path) -> None:
    answer = exchange(controller_socket, frame({"op": "read_file", "env_id": "../../etc", "path": "passwd"}))
    assert answer is not None
    assert answer["kind"] == "EnvironmentNotFoundError"
