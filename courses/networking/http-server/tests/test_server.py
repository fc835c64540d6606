import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

SERVER = Path.cwd() / "server.py"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def port():
    """Start the learner's server once for this module; always stop it (and its children) afterwards."""
    port = free_port()
    errors = tempfile.TemporaryFile()  # a file, not a pipe: a chatty server can never block on it
    process = subprocess.Popen(
        [sys.executable, str(SERVER), str(port)],
        stdin=subprocess.DEVNULL,
        stdout=errors,
        stderr=errors,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            if process.poll() is not None:
                errors.seek(0)
                pytest.fail(f"server.py exited with {process.returncode}: {errors.read().decode()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"server.py did not accept connections on port {port} within 15 s")
                time.sleep(0.02)
        yield port
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=5)
        errors.close()


def request(port, method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        raw = response.read()
        return response, raw
    finally:
        connection.close()


def json_response(port, method, path, body=None, headers=None):
    response, raw = request(port, method, path, body, headers)
    assert response.getheader("Content-Type", "").split(";")[0].strip() == "application/json", (
        f"{method} {path}: Content-Type is {response.getheader('Content-Type')!r}"
    )
    assert response.getheader("Content-Length") == str(len(raw)), f"{method} {path}: wrong Content-Length"
    return response.status, json.loads(raw)


def test_health(port):
    assert json_response(port, "GET", "/health") == (200, {"status": "ok"})


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/greet?name=Ada", "Hello, Ada!"),
        ("/greet", "Hello, world!"),
        ("/greet?name=Ada%20Lovelace", "Hello, Ada Lovelace!"),
        ("/greet?name=Zo%C3%AB&x=1", "Hello, Zoë!"),
    ],
)
def test_greet(port, path, message):
    assert json_response(port, "GET", path) == (200, {"message": message})


@pytest.mark.parametrize("value", [{"n": [1, 2], "ok": True}, [1, "two", None], "just a string", {"ü": "ñ"}])
def test_echo(port, value):
    body = json.dumps(value).encode()
    assert json_response(port, "POST", "/echo", body, {"Content-Type": "application/json"}) == (200, value)


def test_echo_rejects_invalid_json(port):
    assert json_response(port, "POST", "/echo", b"{not json", {"Content-Type": "application/json"}) == (
        400,
        {"error": "invalid JSON"},
    )


@pytest.mark.parametrize(("method", "path"), [("GET", "/nope"), ("GET", "/health/extra"), ("POST", "/greet")])
def test_unknown_paths_are_json_404s(port, method, path):
    body = b"{}" if method == "POST" else None
    assert json_response(port, method, path, body) == (404, {"error": "not found"})


def test_a_slow_client_does_not_block_others(port):
    slow = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        slow.sendall(b"GET /health HTTP/1.1\r\nHost: local")  # ...and never finishes the request
        time.sleep(0.1)
        # A server that serves one client at a time never answers; 5 s only bounds the wait.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        try:
            connection.request("GET", "/health")
            assert connection.getresponse().status == 200
        except (TimeoutError, socket.timeout):
            pytest.fail("/health did not answer while another client was sending slowly")
        finally:
            connection.close()
    finally:
        slow.close()
