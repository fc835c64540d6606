"""The key-value service the tests start: a real TCP server on 127.0.0.1, in a thread."""

import socket
import socketserver
import threading
import time


class KVHandler(socketserver.StreamRequestHandler):
    def handle(self):
        server = self.server
        with server.lock:
            server.connections += 1
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for raw in self.rfile:
            line = raw.decode("utf-8").rstrip("\n")
            with server.lock:
                server.received.append(line)
            reply = server.answer(line)
            self.send(reply + "\n")
            if reply == "BYE":
                return

    def send(self, text):
        data = text.encode("utf-8")
        if not self.server.byte_at_a_time:
            self.request.sendall(data)
            return
        for i in range(len(data)):
            self.request.sendall(data[i : i + 1])
            time.sleep(0.002)


class KVServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, byte_at_a_time=False):
        super().__init__(("127.0.0.1", 0), KVHandler)
        self.byte_at_a_time = byte_at_a_time
        self.lock = threading.Lock()
        self.store = {}
        self.received = []
        self.connections = 0

    @property
    def port(self):
        return self.server_address[1]

    def answer(self, line):
        command, _, rest = line.partition(" ")
        key, _, value = rest.partition(" ")
        with self.lock:
            if command == "QUIT" and not rest:
                return "BYE"
            if command not in ("SET", "GET", "DEL"):
                return f"ERROR unknown command {command!r}"
            if not key:
                return "ERROR empty key"
            if command == "SET":
                self.store[key] = value
                return "OK"
            if value:
                return f"ERROR {command} takes one key"
            if command == "GET":
                return f"VALUE {self.store[key]}" if key in self.store else "MISSING"
            return "OK" if self.store.pop(key, None) is not None else "MISSING"


def start(byte_at_a_time=False):
    server = KVServer(byte_at_a_time)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server


def stop(server):
    server.shutdown()
    server.server_close()
