"""Fetching sources over HTTP, politely and defensively.

Every request has connect and read timeouts, a User-Agent naming the tool, a limit on
redirects (followed here, one hop at a time, so each hop is checked to be http/https), and a
size cap on the body *after* decompression: the body is inflated here in bounded steps, so a
gzip bomb is refused after MAX_BYTES of output rather than filling memory. 429 and 5xx
answers are retried with backoff, honouring Retry-After up to a bound. Pages with an ETag or
Last-Modified are kept in a small on-disk cache and asked for conditionally next time.

Timeouts alone do not bound a fetch: a server that drips a few bytes a second never leaves
a read waiting long enough to time out. So each fetch also has a deadline covering all of
it (connecting, every redirect hop, retries and their backoff, the whole body): every
timeout is capped by the time left, the clock is checked between chunks and before each
retry or hop, and past the deadline the source is given up with the time it took.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
import threading
import time
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit

from briefing import __version__
from briefing import atomic
from briefing.errors import SourceError
from briefing.models import Document

if TYPE_CHECKING:  # imported where a URL is fetched: a run of local files never needs it (~40 ms)
    import httpx

log = logging.getLogger("briefing")

USER_AGENT = f"briefing/{__version__} (+https://pypi.org/project/briefing/; podcast news briefing)"
# Connect fast or give up; a slow news site still answers within 20 s per read.
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 20.0
MAX_REDIRECTS = 5
# Bigger than any article page or feed (the largest we met was ~3 MB with inline images);
# a larger body, counted after decompression, is refused rather than read.
MAX_BYTES = 20 * 1024 * 1024
# 429/5xx: two more tries, 1 s then 2 s apart, unless Retry-After asks for longer; a wait
# over MAX_RETRY_WAIT means the site is down for the morning, so the source is skipped.
RETRIES = 2
BACKOFF = 1.0
MAX_RETRY_WAIT = 30.0
# Everything for one fetch, start to last byte: a slow but honest news site sends a page in a
# few seconds; 60 s is ten times that, and short enough that a daily run always ends.
DEADLINE = 60.0
# Fetches at once, and at most this many to one host (gather.py schedules them).
PARALLEL = 4
PER_HOST = 2
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# The conditional-request cache: enough for a producer's daily feeds and articles.
CACHE_MAX_FILES = 400
CACHE_MAX_BYTES = 100 * 1024 * 1024

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
TEXT_TYPES = frozenset({"text/plain", "text/markdown"})
FEED_TYPES = frozenset({
    "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json",
    "application/xml", "text/xml",
})
# Named kinds of content that are not articles, so the skip line says what the link was.
NOT_ARTICLE = {
    "application/pdf": "a PDF",
    "application/zip": "a zip archive",
    "application/octet-stream": "a binary download",
    "application/json": "JSON data",
    "application/javascript": "a script",
    "text/css": "a stylesheet",
}


@dataclass(frozen=True)
class FetchOptions:
    """Limits for one run; tests shorten the timeouts and backoff."""

    connect_timeout: float = CONNECT_TIMEOUT
    read_timeout: float = READ_TIMEOUT
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS
    retries: int = RETRIES
    backoff: float = BACKOFF
    max_retry_wait: float = MAX_RETRY_WAIT
    deadline: float = DEADLINE
    parallel: int = PARALLEL
    per_host: int = PER_HOST
    cache_dir: Path | None = None


@dataclass(frozen=True)
class Fetched:
    """A fetched body: already decompressed and within the size cap."""

    url: str  # as asked
    final_url: str  # after redirects
    status: int
    content: bytes
    content_type: str
    from_cache: bool = False

    @property
    def mime(self) -> str:
        return self.content_type.split(";")[0].strip().lower()


def check_url(url: str) -> None:
    """Refuse anything but an absolute http(s) URL with a host."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise SourceError(url, f"only http and https URLs can be fetched, not {parts.scheme or 'a bare path'}")
    if not parts.hostname:
        raise SourceError(url, "the URL has no host name")


class _Clock:
    """The deadline of one fetch: seconds left, and the error for running past it."""

    def __init__(self, url: str, deadline: float):
        self.url, self.deadline = url, deadline
        self.start = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def left(self) -> float:
        return self.deadline - self.elapsed()

    def expired(self) -> SourceError:
        return SourceError(
            self.url, f"gave up after {self.elapsed():.1f} s: over the {self.deadline:g} s deadline for one source "
                      f"([fetch] deadline); the server is too slow"
        )

    def check(self) -> None:
        if self.left() <= 0:
            raise self.expired()


class _Inflater:
    """gzip/deflate decoding in bounded steps, so output is counted before it is kept."""

    def __init__(self, encoding: str, url: str, cap: int):
        self.url, self.cap = url, cap
        self.out = bytearray()
        enc = encoding.lower().strip()
        if enc in ("gzip", "x-gzip"):
            self.z: zlib._Decompress | None = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif enc == "deflate":
            self.z = zlib.decompressobj()
        elif enc in ("", "identity"):
            self.z = None
        else:
            raise SourceError(url, f"the server sent an unsupported Content-Encoding {encoding!r}")

    def _keep(self, data: bytes) -> None:
        self.out += data
        if len(self.out) > self.cap:
            raise SourceError(
                self.url,
                f"the response is over {self.cap // 2**20} MB (after decompression); not an article page or feed",
            )

    def feed(self, chunk: bytes) -> None:
        if self.z is None:
            self._keep(chunk)
            return
        data = chunk
        try:
            while data:
                # Never ask zlib for more than a little past the cap: a bomb stops here.
                self._keep(self.z.decompress(data, 1 << 20))
                data = self.z.unconsumed_tail
        except zlib.error as e:
            raise SourceError(self.url, f"the compressed response is damaged ({e})") from None

    def finish(self) -> bytes:
        if self.z is not None:
            try:
                self._keep(self.z.flush())
            except zlib.error as e:
                raise SourceError(self.url, f"the compressed response is damaged ({e})") from None
        return bytes(self.out)


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class HttpCache:
    """Bodies with validators (ETag/Last-Modified), one JSON + body pair per URL, small and pruned."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]
        return self.folder / f"{key}.json", self.folder / f"{key}.body"

    def get(self, url: str) -> tuple[dict, bytes] | None:
        meta_path, body_path = self._paths(url)
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if meta.get("url") != url or meta.get("size") != len(body):
            return None  # a torn pair (killed between writes): ignore it, fetch afresh
        return meta, body

    def put(self, url: str, response: httpx.Response, final_url: str, body: bytes) -> None:
        etag = response.headers.get("etag")
        modified = response.headers.get("last-modified")
        if not (etag or modified) or "no-store" in response.headers.get("cache-control", "").lower():
            return
        meta = {
            "url": url, "final_url": final_url, "etag": etag, "last_modified": modified,
            "content_type": response.headers.get("content-type", ""), "size": len(body),
        }
        meta_path, body_path = self._paths(url)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            # Body first, then its description: a reader checks the size, so a crash between
            # the two leaves an entry that is ignored, never a wrong body.
            atomic.write_bytes(body_path, body, mode=None)
            atomic.write_bytes(meta_path, json.dumps(meta).encode("utf-8"), mode=None)
            self.prune()
        except OSError as e:
            log.debug("could not cache %s: %s", url, e)

    def prune(self) -> None:
        entries = sorted(
            (p for p in self.folder.glob("*.body")), key=lambda p: p.stat().st_mtime, reverse=True
        )
        total = 0
        for i, body in enumerate(entries):
            total += body.stat().st_size
            if i >= CACHE_MAX_FILES or total > CACHE_MAX_BYTES:
                body.unlink(missing_ok=True)
                body.with_suffix(".json").unlink(missing_ok=True)


class Fetcher:
    """One HTTP client for a run: connection reuse, the limits above, the cache."""

    def __init__(self, options: FetchOptions | None = None, *, transport: httpx.BaseTransport | None = None):
        self.options = options or FetchOptions()
        o = self.options
        self.cache = HttpCache(o.cache_dir) if o.cache_dir else None
        self._transport = transport
        self._client: httpx.Client | None = None
        self._client_lock = threading.Lock()  # sources are fetched from several threads

    @property
    def client(self) -> httpx.Client:
        # Made on first use: a run of local files never pays for the TLS context (~30 ms).
        with self._client_lock:
            if self._client is None:
                self._client = self._new_client()
            return self._client

    def _new_client(self) -> httpx.Client:
        import httpx

        o = self.options
        return httpx.Client(
            timeout=httpx.Timeout(o.read_timeout, connect=o.connect_timeout),
            follow_redirects=False,  # followed by hand: every hop is checked
            headers={
                "User-Agent": USER_AGENT,
                # Only what _Inflater decodes with a bound; no brotli, whose bombs we cannot cap.
                "Accept-Encoding": "gzip, deflate",
                "Accept": "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
                          "application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5",
            },
            transport=self._transport,
        )

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def get(self, url: str) -> Fetched:
        """GET `url` within the limits; raise SourceError with a reason a producer can act on."""
        check_url(url)
        clock = _Clock(url, self.options.deadline)
        cached = self.cache.get(url) if self.cache else None
        headers = {}
        if cached:
            meta = cached[0]
            if meta.get("etag"):
                headers["If-None-Match"] = meta["etag"]
            if meta.get("last_modified"):
                headers["If-Modified-Since"] = meta["last_modified"]
        current = url
        for _hop in range(self.options.max_redirects + 1):
            clock.check()
            status, response, body = self._get_with_retries(url, current, headers, clock)
            if status in (301, 302, 303, 307, 308):
                location = response.headers.get("location")
                if not location:
                    raise SourceError(url, f"the server answered HTTP {status} without a Location to go to")
                current = urljoin(current, location)
                check_url(current)
                headers = {}  # validators belong to the first URL only
                continue
            if status == 304 and cached:
                meta, body = cached
                log.debug("not modified since last run: %s", url)
                return Fetched(url, meta.get("final_url") or url, 200, body, meta.get("content_type", ""), True)
            if status >= 400:
                raise SourceError(url, f"the server answered HTTP {status} {response.reason_phrase}".rstrip())
            if status != 200:
                raise SourceError(url, f"the server answered HTTP {status}, not a page")
            if self.cache and current == url:
                self.cache.put(url, response, current, body)
            return Fetched(url, current, status, body, response.headers.get("content-type", ""))
        raise SourceError(url, f"more than {self.options.max_redirects} redirects (a redirect loop?)")

    def _get_with_retries(self, url: str, current: str, headers: dict, clock: _Clock) -> tuple[int, httpx.Response, bytes]:
        o = self.options
        for attempt in range(o.retries + 1):
            response, body = self._get_once(url, current, headers, clock)
            status = response.status_code
            if status not in RETRY_STATUSES or attempt == o.retries:
                return status, response, body
            wait = o.backoff * 2**attempt
            asked = _retry_after(response.headers.get("retry-after"))
            if asked is not None:
                if asked > o.max_retry_wait:
                    raise SourceError(
                        url, f"the server answered HTTP {status} and asks to retry in {asked:.0f} s; "
                             f"not waiting over {o.max_retry_wait:.0f} s"
                    )
                wait = max(wait, asked)
            wait = min(wait, o.max_retry_wait)
            if wait >= clock.left():
                # Waiting would run past the deadline: give up now rather than sleep to fail.
                raise SourceError(
                    url, f"the server answered HTTP {status}; a retry in {wait:.0f} s would pass the "
                         f"{o.deadline:g} s deadline for one source ([fetch] deadline)"
                )
            log.info("HTTP %s from %s; retrying in %.1f s", status, current, wait)
            time.sleep(wait)
        raise AssertionError("unreachable")

    def _get_once(self, url: str, current: str, headers: dict, clock: _Clock) -> tuple[httpx.Response, bytes]:
        import httpx

        o = self.options
        left = max(clock.left(), 0.001)
        # Each wait capped by the time left, so no single read can outlast the deadline.
        capped = left < max(o.read_timeout, o.connect_timeout)
        timeout = httpx.Timeout(min(o.read_timeout, left), connect=min(o.connect_timeout, left), pool=left)
        try:
            with self.client.stream("GET", current, headers=headers, timeout=timeout) as response:
                if response.status_code in (301, 302, 303, 304, 307, 308) or response.status_code >= 400:
                    return response, b""  # no body wanted: an error page is not an article
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > o.max_bytes and not response.headers.get("content-encoding"):
                    raise SourceError(url, f"the response is {int(declared) // 2**20} MB, over the "
                                           f"{o.max_bytes // 2**20} MB limit; not an article page or feed")
                inflater = _Inflater(response.headers.get("content-encoding", ""), url, o.max_bytes)
                for chunk in response.iter_raw():
                    clock.check()  # a drip feed: every read is in time, the whole body is not
                    inflater.feed(chunk)
                return response, inflater.finish()
        except httpx.TimeoutException as e:
            if capped and clock.left() <= 0.05:
                raise clock.expired() from e
            if isinstance(e, httpx.ConnectTimeout):
                raise SourceError(url, "timed out connecting; is the site up?") from e
            raise SourceError(url, f"timed out waiting for the server (no data for {o.read_timeout:g} s)") from e
        except httpx.ConnectError as e:
            text = str(e)
            if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo" in text \
                    or "No address associated" in text or "Temporary failure in name resolution" in text:
                host = urlsplit(current).hostname
                raise SourceError(url, f"cannot find the host {host} (DNS lookup failed); check the address") from e
            raise SourceError(url, f"cannot connect ({text or type(e).__name__}); is the site up? check the address and your network") from e
        except httpx.InvalidURL as e:
            # httpx reads a redirect's Location even when not following it: a data: or other
            # malformed address fails there, before the hop can be checked (not an HTTPError).
            raise SourceError(url, f"the server pointed to an address that cannot be fetched ({e}); "
                                   f"only http and https URLs can be fetched") from e
        except httpx.UnsupportedProtocol as e:
            raise SourceError(url, "only http and https URLs can be fetched") from e
        except httpx.HTTPError as e:
            raise SourceError(url, f"HTTP error: {e or type(e).__name__}") from e


def kind_of(fetched: Fetched) -> str:
    """'html', 'text' or 'feed' from the content type (sniffed when missing or generic)."""
    mime = fetched.mime
    head = fetched.content[:1024].lstrip().lower()
    if mime in FEED_TYPES or mime.endswith(("+xml", "/xml")) and mime not in HTML_TYPES:
        if mime in ("application/xml", "text/xml") and (b"<html" in head or b"<!doctype html" in head):
            return "html"
        return "feed"
    if mime in HTML_TYPES:
        return "html"
    if mime in TEXT_TYPES:
        return "text"
    if not mime or mime == "application/octet-stream":
        if head.startswith(b"<?xml") and (b"<rss" in head or b"<feed" in head or b"<rdf" in head):
            return "feed"
        if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
            return "html"
        if not mime:
            return "text"
    what = NOT_ARTICLE.get(mime)
    if what is None:
        major = mime.split("/")[0]
        what = {"image": "an image", "audio": "audio", "video": "a video", "font": "a font"}.get(major, mime)
    raise SourceError(fetched.url, f"the link is {what} ({mime}), not an article page or feed; skipped")


def document(fetched: Fetched) -> Document:
    """A fetched article page or text as a Document for the cleaner."""
    kind = kind_of(fetched)
    if kind == "feed":
        raise SourceError(fetched.url, "this is a feed, not an article; list it as a feed")
    return Document(source=fetched.url, content=fetched.content, content_type=fetched.content_type or None,
                    url=fetched.final_url, kind="text" if kind == "text" else "html")


def fetch_document(url: str, fetcher: Fetcher | None = None) -> Document:
    """Fetch an article page or raw text over HTTP(S)."""
    if fetcher is not None:
        return document(fetcher.get(url))
    with Fetcher() as own:
        return document(own.get(url))
