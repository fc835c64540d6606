"""Lesson: a TCP client for the key-value line protocol (decodes each chunk separately)."""

import socket


class KVError(Exception):
    """The server replied ERROR."""


class KVClient:
    def __init__(self, host, port, timeout=2.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self._text = ""

    def _read_line(self):
        """Buffers until a newline, but decodes every chunk on its own."""
        while "\n" not in self._text:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self._text += chunk.decode("utf-8")
        line, _, self._text = self._text.partition("\n")
        return line

    def _call(self, *words):
        self.sock.sendall((" ".join(words) + "\n").encode("utf-8"))
        reply = self._read_line()
        if reply.startswith("ERROR"):
            raise KVError(reply[len("ERROR") :].strip())
        return reply

    def set(self, key, value):
        self._call("SET", key, value)

    def get(self, key):
        reply = self._call("GET", key)
        if reply == "MISSING":
            return None
        return reply[len("VALUE ") :]

    def delete(self, key):
        return self._call("DEL", key) == "OK"

    def close(self):
        try:
            self._call("QUIT")
        finally:
            self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
