"""Lesson: an HTTP server (HTML errors, crashes on bad JSON). Run as `python3 server.py PORT`."""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Handler(BaseHTTPRequestHandler):
    def send_json(self, status, value):
        body = json.dumps(value).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/health":
            self.send_json(200, {"status": "ok"})
        elif url.path == "/greet":
            name = parse_qs(url.query).get("name", ["world"])[0]
            self.send_json(200, {"message": f"Hello, {name}!"})
        else:
            self.send_error(404, "not found")

    def do_POST(self):
        if urlsplit(self.path).path != "/echo":
            self.send_error(404, "not found")
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_json(200, json.loads(body))

    def log_message(self, format, *args):
        pass  # keep the terminal quiet


def main():
    port = int(sys.argv[1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
