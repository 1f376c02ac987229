"""`briefing serve`: output/ over HTTP the way podcast apps need it.

The standard library's server with a handler of our own: SimpleHTTPRequestHandler lists
directories and ignores Range, and apps seek with Range requests. What this handler does:
GET and HEAD for files under output/ only, single byte ranges (206, or 416 out of range),
content types podcast apps expect, a folder's index.html for `/` and `/<date>/`. Anything
else is a 404: paths with `..` (plain or percent-encoded), hidden files (our `.part`
temporaries), directory listings, and symlinks whose target is outside output/.

It is a preview server for a podcast app on your network, not a publishing host; still, it
holds up against a hostile client on that network: every connection has a read and write
timeout and a deadline for its request head, the number served at once is bounded (the rest wait in a larger listen queue, then
get a 503), numbers in a Range header are bounded before they are parsed, a body sent with GET
or HEAD is read and dropped (or refused if large) so it is never parsed as a second request,
requests without a usable request line (garbage, HTTP/0.9) get a plain 400 with a status line,
and request lines are logged with control characters escaped.
"""

from __future__ import annotations

import email.utils
import html
import logging
import os
import posixpath
import re
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

log = logging.getLogger("briefing.publish.serve")

FEED_NAME = "feed.xml"
CHUNK = 64 * 1024
CONTENT_TYPES = {
    ".mp3": "audio/mpeg",
    ".xml": "application/rss+xml; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}
PAGE = "index.html"  # a folder's page: `/` the show's, `/<date>/` an episode's
_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")
# Range numbers longer than this are beyond any file (10**18 bytes is an exabyte); bounding
# them before int() avoids Python's 4300-digit limit (a traceback and an empty reply) and the
# quadratic cost of converting huge numbers.
MAX_RANGE_DIGITS = 18
_BEYOND = 10**MAX_RANGE_DIGITS
# Seconds a connection may sit idle or stall mid-request or mid-reply before it is closed.
# Players re-request within seconds when they seek; 20 s outlasts a slow phone network.
CONNECTION_TIMEOUT = 20.0
# Seconds a request line and its headers may take in all, however slowly they trickle in (the
# timeout above is per read, which a client sending a byte every few seconds never trips).
HEAD_DEADLINE = 30.0
# Connections served at once (one thread each). A household of podcast apps needs a handful;
# 64 leaves room for a player's parallel range requests without letting held connections
# grow threads without bound.
MAX_CONNECTIONS = 64
# Seconds a new connection waits for a free slot before it is told 503. The accept loop waits
# with it, so this is short: with every slot held, each further connect costs this much.
SLOT_WAIT = 0.25
# Pending connections the kernel queues before accept (the standard library's default is 5,
# which made one connect in 12 wait a second under load).
LISTEN_QUEUE = 128
# A body sent with GET/HEAD up to this size is read and dropped; larger is refused (413).
MAX_IGNORED_BODY = 64 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def log_safe(text: str) -> str:
    """`text` with control characters as `\\xNN` escapes, so a request cannot forge a log line."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _number(digits: str) -> int:
    return _BEYOND if len(digits) > MAX_RANGE_DIGITS else int(digits)


def content_type(path: str) -> str:
    return CONTENT_TYPES.get(posixpath.splitext(path)[1].lower(), "application/octet-stream")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | bool:
    """(first, last) byte of a single range; None to send the whole file; False if unsatisfiable.

    Multiple ranges and malformed headers are ignored (RFC 9110 lets a server do so) and the
    whole file is sent.
    """
    if not header:
        return None
    m = _RANGE.match(header.strip().replace(" ", ""))
    if not m or m.group(1) == m.group(2) == "":
        return None
    first, last = m.groups()
    if first == "":  # suffix: the last N bytes
        n = _number(last)
        if n == 0 or size == 0:
            return False
        return max(0, size - n), size - 1
    start = _number(first)
    if last and _number(last) < start:
        return None  # syntactically invalid: ignore the header
    if start >= size:
        return False
    end = _number(last) if last else size - 1
    return start, min(end, size - 1)


class OutputHandler(BaseHTTPRequestHandler):
    """Serves files under `root` (set on the server) with HEAD and byte ranges."""

    protocol_version = "HTTP/1.1"
    server_version = "briefing"
    sys_version = ""
    # Headers and a small body go out in one write (see `_send`); TCP_NODELAY as well, so
    # the rest of a reply is never held back by Nagle waiting for the client's delayed ACK
    # (which made each small reply on a kept-alive connection take ~44 ms).
    disable_nagle_algorithm = True

    def setup(self) -> None:
        self.timeout = getattr(self.server, "connection_timeout", CONNECTION_TIMEOUT)
        super().setup()

    def handle_one_request(self) -> None:
        watch = getattr(self.server, "watch", None)
        if watch:
            watch(self.connection)
        try:
            super().handle_one_request()
        finally:
            if watch:
                self.server.unwatch(self.connection)  # type: ignore[attr-defined]

    def parse_request(self) -> bool:
        ok = super().parse_request()
        if hasattr(self.server, "unwatch"):
            self.server.unwatch(self.connection)  # the head is in: a slow reply is not cut
        if not ok:
            return False
        if self.request_version == "HTTP/0.9":
            # A reply without a status line is what HTTP/0.9 expects; nobody needs it now.
            self.send_error(HTTPStatus.BAD_REQUEST, "HTTP/0.9 is not supported")
            return False
        return self._drop_body()

    def _drop_body(self) -> bool:
        """Read and drop a body sent with GET/HEAD, so it is not parsed as the next request."""
        if self.headers.get("Transfer-Encoding"):
            self.send_error(HTTPStatus.BAD_REQUEST, "a body is not accepted here")
            return False
        length = self.headers.get("Content-Length")
        if length is None:
            return True
        length = length.strip()
        if not length.isascii() or not length.isdigit() or len(length) > MAX_RANGE_DIGITS:
            self.send_error(HTTPStatus.BAD_REQUEST, "bad Content-Length")
            return False
        n = int(length)
        if n > MAX_IGNORED_BODY:
            self.send_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "a body is not accepted here")
            return False
        while n:
            chunk = self.rfile.read(min(n, CHUNK))
            if not chunk:
                self.close_connection = True
                return False
            n -= len(chunk)
        return True

    @property
    def root(self) -> str:
        return self.server.root  # type: ignore[attr-defined]

    def resolve(self) -> str | None:
        """The real path of the requested file if it is a file inside root, else None."""
        raw = urlsplit(self.path).path
        path = unquote(raw, errors="strict") if "%" in raw else raw
        if "\x00" in path or "\\" in path:
            return None
        parts = [p for p in path.split("/") if p]
        # No `..` or `.`, and no hidden names: temporaries are written as `.name.part`.
        if any(p.startswith(".") for p in parts):
            return None
        if not parts or raw.endswith("/"):
            parts.append(PAGE)
        candidate = os.path.join(self.root, *parts)
        real = os.path.realpath(candidate)
        if os.path.commonpath([real, self.root]) != self.root or not os.path.isfile(real):
            return None
        return real

    def _is_page_folder(self, path: str) -> bool:
        saved, self.path = self.path, path + "/"
        try:
            return self.resolve() is not None
        except UnicodeDecodeError:
            return False
        finally:
            self.path = saved

    def do_GET(self) -> None:
        self._serve(body=True)

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def _simple(self, status: HTTPStatus, text: str, *, body: bool, ctype: str = "text/plain; charset=utf-8",
                extra: dict[str, str] | None = None) -> None:
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self._send(data if body else b"")

    def _send(self, data: bytes) -> None:
        """End the headers and send them with the first `data` in one write."""
        self._headers_buffer.append(b"\r\n")
        self._headers_buffer.append(data)
        self.wfile.write(b"".join(self._headers_buffer))
        self._headers_buffer = []

    def _serve(self, *, body: bool) -> None:
        path = urlsplit(self.path).path
        if path == "/" and not os.path.isfile(os.path.join(self.root, PAGE)):
            feed = html.escape(FEED_NAME)
            page = f'<!doctype html><meta charset="utf-8"><title>briefing</title><p>Subscribe: <a href="/{feed}">/{feed}</a></p>\n'
            self._simple(HTTPStatus.OK, page, body=body, ctype="text/html; charset=utf-8")
            return
        try:
            real = self.resolve()
        except UnicodeDecodeError:
            real = None
        if real is None and not path.endswith("/") and self._is_page_folder(path):
            # `/<date>` without its slash: the page's relative links need the folder's URL.
            self._simple(HTTPStatus.MOVED_PERMANENTLY, "moved\n", body=body, extra={"Location": path + "/"})
            return
        if real is None:
            self._simple(HTTPStatus.NOT_FOUND, "not found\n", body=body)
            return
        try:
            f = open(real, "rb")
        except OSError:
            self._simple(HTTPStatus.NOT_FOUND, "not found\n", body=body)
            return
        with f:
            st = os.fstat(f.fileno())
            size = st.st_size
            rng = parse_range(self.headers.get("Range"), size)
            if rng is False:
                self._simple(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, "range not satisfiable\n", body=body,
                             extra={"Content-Range": f"bytes */{size}", "Accept-Ranges": "bytes"})
                return
            first, last = rng if rng else (0, size - 1)
            length = last - first + 1 if size else 0
            self.send_response(HTTPStatus.PARTIAL_CONTENT if rng else HTTPStatus.OK)
            self.send_header("Content-Type", content_type(real))
            self.send_header("Content-Length", str(length))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Last-Modified", email.utils.formatdate(st.st_mtime, usegmt=True))
            self.send_header("ETag", f'"{st.st_mtime_ns:x}-{size:x}"')
            if rng:
                self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
            if not body or not length:
                self._send(b"")
                return
            f.seek(first)
            remaining = length
            try:
                first_chunk = f.read(min(CHUNK, remaining))
                self._send(first_chunk)
                remaining -= len(first_chunk)
                while remaining and first_chunk:
                    chunk = f.read(min(CHUNK, remaining))
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    remaining -= len(chunk)
            except (BrokenPipeError, ConnectionResetError, TimeoutError):
                # Players drop connections when they seek; that is not an error. A client that
                # stops reading is cut off by the connection timeout.
                self.close_connection = True

    def send_error(self, code, message=None, explain=None):  # noqa: D102 - no HTML error pages
        self.close_connection = True
        if getattr(self, "request_version", "HTTP/0.9") == "HTTP/0.9":
            # Garbage or an HTTP/0.9 line: the reply still gets a status line and headers.
            self.request_version = "HTTP/1.0"
        try:
            self._simple(HTTPStatus(code), f"{message or HTTPStatus(code).phrase}\n", body=self.command != "HEAD")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args) -> None:
        log.info("%s %s", self.address_string(), log_safe(format % args))


class OutputServer(ThreadingHTTPServer):
    """A thread per connection, at most `max_connections` at once, each with a timeout."""

    daemon_threads = True
    request_queue_size = LISTEN_QUEUE

    def __init__(self, root: Path, address: tuple[str, int], *, max_connections: int = MAX_CONNECTIONS,
                 connection_timeout: float = CONNECTION_TIMEOUT, slot_wait: float = SLOT_WAIT,
                 head_deadline: float = HEAD_DEADLINE):
        self.root = os.path.realpath(root)
        self.connection_timeout = connection_timeout
        self.slot_wait = slot_wait
        self.max_connections = max_connections
        self.head_deadline = head_deadline
        self._slots = threading.BoundedSemaphore(max_connections)
        self._deadlines: dict[socket.socket, float] = {}
        self._deadlines_lock = threading.Lock()
        self._closing = threading.Event()
        super().__init__(address, OutputHandler)
        # One thread for every connection's head deadline, rather than a timer each.
        threading.Thread(target=self._reap, name="briefing-serve-deadlines", daemon=True).start()

    def watch(self, conn: socket.socket) -> None:
        with self._deadlines_lock:
            self._deadlines[conn] = time.monotonic() + self.head_deadline

    def unwatch(self, conn: socket.socket) -> None:
        with self._deadlines_lock:
            self._deadlines.pop(conn, None)

    def _reap(self) -> None:
        """Shut the connections whose request head is overdue; their handler then reads EOF."""
        step = min(1.0, self.head_deadline / 4)
        while not self._closing.wait(step):
            now = time.monotonic()
            with self._deadlines_lock:
                late = [c for c, t in self._deadlines.items() if t <= now]
                for c in late:
                    del self._deadlines[c]
            for c in late:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def server_close(self) -> None:
        self._closing.set()
        super().server_close()

    def process_request(self, request, client_address) -> None:
        if not self._slots.acquire(timeout=self.slot_wait):
            self._refuse(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def _refuse(self, request: socket.socket) -> None:
        """503 to a connection that found every slot taken, without a thread."""
        try:
            request.settimeout(1.0)
            request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                            b"Content-Length: 5\r\nRetry-After: 2\r\nConnection: close\r\n\r\nbusy\n")
        except OSError:
            pass
        log.warning("all %s connections busy: refused one", self.max_connections)
        self.shutdown_request(request)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}/"


def make_server(root: Path, host: str = "127.0.0.1", port: int = 8000, **limits) -> OutputServer:
    """A server for `root` bound to host:port (port 0 picks a free one); `limits` as OutputServer."""
    return OutputServer(root, (host, port), **limits)


def serve_forever(server: OutputServer) -> None:
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.server_close()
