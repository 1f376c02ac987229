"""A small HTTP server on 127.0.0.1 for fetch tests: routes are functions of the request.

Each route returns (status, headers, body) where body is bytes or an iterator of bytes
(streamed without Content-Length unless a header says otherwise). Routes can sleep to be a
slow server. Every request is recorded (path and headers) so tests can check what was sent.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = Callable[["Request"], tuple[int, dict[str, str], bytes | Iterable[bytes]]]


class Request:
    def __init__(self, path: str, headers: dict[str, str]):
        self.path = path
        self.headers = headers


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up on purpose (the fetcher refusing a gzip bomb) is not an error."""

    def handle_error(self, request, client_address) -> None:
        import sys

        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LocalServer:
    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                req = Request(self.path, {k.lower(): v for k, v in self.headers.items()})
                server.requests.append(req)
                route = server.routes.get(self.path.split("?")[0])
                if route is None:
                    status, headers, body = 404, {"Content-Type": "text/html"}, b"<h1>Not found</h1>"
                else:
                    status, headers, body = route(req)
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    if isinstance(body, bytes):
                        if "Content-Length" not in headers:
                            self.send_header("Content-Length", str(len(body)))
                        self.end_headers()
                        self.wfile.write(body)
                    else:
                        self.send_header("Connection", "close")
                        self.end_headers()
                        self.close_connection = True
                        for chunk in body:
                            self.wfile.write(chunk)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        self.httpd = _QuietServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def page(self, path: str, body: bytes | str, content_type: str = "text/html; charset=utf-8",
             status: int = 200, headers: dict[str, str] | None = None) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        hdrs = {"Content-Type": content_type, **(headers or {})}
        self.routes[path] = lambda req: (status, hdrs, data)
        return self.url(path)

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (connections are refused)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def slow(seconds: float, body: bytes = b"<p>late</p>"):
    """A route that sends headers, then nothing for `seconds` (a read timeout), then the body."""
    def route(req):
        def chunks():
            yield b"<html><body>"
            time.sleep(seconds)
            yield body
        return 200, {"Content-Type": "text/html"}, chunks()
    return route


def drip(rate: float = 8, size: int = 100_000, most: float = 30.0, content_type: str = "text/html"):
    """A route that sends `size` bytes at `rate` bytes a second, one byte at a time: never
    quiet long enough for a read timeout. Stops after `most` seconds so a test thread ends."""
    def route(req):
        def chunks():
            end = time.monotonic() + most
            yield b"<html><body><p>"
            for _ in range(size):
                if time.monotonic() > end:
                    return
                time.sleep(1 / rate)
                yield b"x"
        return 200, {"Content-Type": content_type}, chunks()
    return route
