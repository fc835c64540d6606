"""The HTTP API the tests start: a real server on 127.0.0.1, in a thread, counting requests."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        server = self.server
        url = urlsplit(self.path)
        with server.lock:
            server.requests.append((url.path, self.headers.get("Accept")))
            count = sum(1 for path, _ in server.requests if path == url.path)
        if url.path == "/items":
            page = int(parse_qs(url.query).get("page", ["1"])[0])
            self.reply(200, server.pages[page - 1])
        elif url.path == "/hello":
            self.reply(200, {"hello": "wörld", "n": [1, 2.5, None]})
        elif url.path == "/flaky":  # busy twice, then fine
            self.reply(503, {"error": "busy"}) if count <= 2 else self.reply(200, {"ok": True})
        elif url.path == "/down":
            self.reply(503, {"error": "busy"})
        elif url.path == "/broken":
            self.reply(500, {"error": "internal"})
        else:
            self.reply(404, {"error": "not found"})

    def reply(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass


class APIServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.requests = []
        base = f"http://127.0.0.1:{self.port}"
        self.pages = [
            {"items": [1, 2, 3], "next": "/items?page=2"},  # relative to the server
            {"items": [], "next": "items?page=3"},  # relative to the current path
            {"items": [4, 5], "next": f"{base}/items?page=4"},  # absolute
            {"items": [6, 7], "next": None},
        ]

    @property
    def port(self):
        return self.server_address[1]

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def count(self, path):
        with self.lock:
            return sum(1 for seen, _ in self.requests if seen == path)


def start():
    server = APIServer()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


def stop(server):
    server.shutdown()
    server.server_close()
