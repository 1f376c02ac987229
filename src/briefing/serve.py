"""`briefing serve`: output/ over HTTP the way podcast apps need it.

The standard library's server with a handler of our own: SimpleHTTPRequestHandler lists
directories and ignores Range, and apps seek with Range requests. What this handler does:
GET and HEAD for files under output/ only, single byte ranges (206, or 416 out of range),
content types podcast apps expect, a folder's index.html for `/` and `/<date>/`. Anything
else is a 404: paths with `..` (plain or percent-encoded), hidden files (our `.part`
temporaries), directory listings, and symlinks whose target is outside output/.
"""

from __future__ import annotations

import email.utils
import html
import logging
import os
import posixpath
import re
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

log = logging.getLogger("briefing.serve")

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
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


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
        n = int(last)
        if n == 0 or size == 0:
            return False
        return max(0, size - n), size - 1
    start = int(first)
    if last and int(last) < start:
        return None  # syntactically invalid: ignore the header
    if start >= size:
        return False
    end = int(last) if last else size - 1
    return start, min(end, size - 1)


class OutputHandler(BaseHTTPRequestHandler):
    """Serves files under `root` (set on the server) with HEAD and byte ranges."""

    protocol_version = "HTTP/1.1"
    server_version = "briefing"
    sys_version = ""

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
        self.end_headers()
        if body:
            self.wfile.write(data)

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
            self.end_headers()
            if not body or not length:
                return
            f.seek(first)
            remaining = length
            try:
                while remaining:
                    chunk = f.read(min(CHUNK, remaining))
                    if not chunk:
                        break
                    self.wfile.write(chunk)
                    remaining -= len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                # Players drop connections when they seek; that is not an error.
                self.close_connection = True

    def send_error(self, code, message=None, explain=None):  # noqa: D102 - no HTML error pages
        self.close_connection = True
        try:
            self._simple(HTTPStatus(code), f"{message or HTTPStatus(code).phrase}\n", body=self.command != "HEAD")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args) -> None:
        log.info("%s %s", self.address_string(), format % args)


class OutputServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path, address: tuple[str, int]):
        self.root = os.path.realpath(root)
        super().__init__(address, OutputHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}/"


def make_server(root: Path, host: str = "127.0.0.1", port: int = 8000) -> OutputServer:
    """A server for `root` bound to host:port (port 0 picks a free one)."""
    return OutputServer(root, (host, port))


def serve_forever(server: OutputServer) -> None:
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    finally:
        server.server_close()
