"""Lesson: an HTTP server. Run as `python3 server.py PORT`."""

import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        # TODO: /health and /greet; 404 as JSON for anything else.
        self.send_error(501, "not implemented yet")

    def do_POST(self):
        # TODO: /echo; 404 as JSON for anything else.
        self.send_error(501, "not implemented yet")


def main():
    port = int(sys.argv[1])
    server = HTTPServer(("127.0.0.1", port), Handler)
    server.serve_forever()


if __name__ == "__main__":
    main()
