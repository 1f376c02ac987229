"""Reading sources: turn what the producer names (files, folders, URLs, feeds) into Documents.

A source is a local file or folder, an article URL, or an RSS/Atom feed (a URL or a file)
whose newest items are read as articles. `gather` walks the list and yields one `Item` per
article: its Document, or the reason it could not be read, so one bad source never stops
the others.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from briefing.errors import SourceError
from briefing.models import Document, SourceKind, SourceSpec, is_url
from briefing.sources import feeds
from briefing.sources.fetch import Fetcher, check_url, document, fetch_document, kind_of
from briefing.state import canonical_url

log = logging.getLogger("briefing")


HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
TEXT_SUFFIXES = {".txt", ".text", ".md"}
FEED_SUFFIXES = {".rss", ".atom", ".xml"}
# Producers' folders also hold notes and images; only these are read as articles.
ARTICLE_SUFFIXES = HTML_SUFFIXES | TEXT_SUFFIXES
# A saved page over this is not an article; it is refused before it is read into memory.
MAX_FILE_BYTES = 50 * 1024 * 1024
# Newest items taken from a feed that sets no `limit` (overridden by [sources].feed_limit).
FEED_LIMIT = 5




@dataclass(frozen=True)
class Item:
    """One article to clean, or why it could not be read (exactly one of the two is set)."""

    label: str
    document: Document | None = None
    error: SourceError | None = None
    duplicate_of: str | None = None  # the same link was already listed in this run



def expand(names: Sequence[str | SourceSpec], root: Path) -> list[SourceSpec]:
    """Files, folders, URLs and feeds; folders expanded to their article files in name order."""
    specs: list[SourceSpec] = []
    for entry in names:
        spec = entry if isinstance(entry, SourceSpec) else SourceSpec(entry)
        if spec.is_url:
            specs.append(spec)
            continue
        path = Path(spec.location).expanduser()
        if not path.is_absolute():
            path = root / path
        if path.is_dir() and spec.kind != "feed":
            for child in sorted(path.iterdir()):
                # A dangling or looping link is listed too, so the run names it instead of
                # passing over it in silence.
                readable = child.is_file() or (child.is_symlink() and not child.exists())
                if readable and child.suffix.lower() in ARTICLE_SUFFIXES | FEED_SUFFIXES:
                    kind: SourceKind = "auto" if child.suffix.lower() in FEED_SUFFIXES else spec.kind
                    specs.append(SourceSpec(str(child), kind, spec.limit, spec.name))
        else:
            specs.append(SourceSpec(str(path), spec.kind, spec.limit, spec.name))
    return specs


def read_file(location: str) -> bytes:
    path = Path(location)
    if not path.exists():
        if path.is_symlink():
            raise SourceError(location, _broken_link(path))
        raise SourceError(location, "file not found. Check the path")
    if path.is_dir():
        raise SourceError(location, "is a folder; name the files in it, or list the folder in [sources].paths")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SourceError(location, f"file is {size // 2**20} MB, over the {MAX_FILE_BYTES // 2**20} MB limit for one article")
    try:
        return path.read_bytes()
    except OSError as e:
        raise SourceError(location, f"cannot read file: {e.strerror}") from e


def _broken_link(path: Path) -> str:
    """Why the symlink `path` leads to no file: a loop, or a target that is not there."""
    import os

    try:
        path.resolve(strict=True)
    except RuntimeError:  # Python 3.11-3.12 raise this for a loop
        return "is a symlink loop (the link leads back to itself); fix or remove the link"
    except OSError as e:
        import errno

        if e.errno == errno.ELOOP:
            return "is a symlink loop (the link leads back to itself); fix or remove the link"
    return f"is a symlink to {os.readlink(path)}, which does not exist; fix or remove the link"


def _file_kind(path: Path, content: bytes) -> str:
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in HTML_SUFFIXES:
        return "html"
    # Unknown suffix: sniff, since producers save pages with odd names.
    head = content[:2048].lstrip().lower()
    if head.startswith(b"<?xml") and (b"<rss" in head or b"<feed" in head or b"<rdf" in head):
        return "feed"
    return "html" if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head else "text"


def read(spec: SourceSpec | str, fetcher: Fetcher | None = None) -> Document:
    """Read one article source into a Document, or raise SourceError saying why not."""
    location = spec.location if isinstance(spec, SourceSpec) else spec
    if is_url(location):
        return fetch_document(location, fetcher)
    content = read_file(location)
    kind = _file_kind(Path(location), content)
    if kind == "feed":
        raise SourceError(location, "this is a feed, not an article; list it in [sources] to read its items")
    return Document(source=location, content=content, kind=kind, url=None)  # type: ignore[arg-type]


def gather(specs: Sequence[SourceSpec], fetcher: Fetcher, *, feed_limit: int = FEED_LIMIT) -> Iterator[Item]:
    """Every article the sources name, in order: feeds contribute their newest items.

    URLs are fetched side by side (`parallel` at once, at most `per_host` to one host, from the
    fetcher's options), and as soon as a feed arrives its items are queued too; the Items still
    come out in the order the producer gave, each as soon as it and those before it are in.
    """
    o = fetcher.options
    pool = _Pool(o.parallel, o.per_host)
    fetches: dict[str, Future] = {}  # one fetch per link, however many feeds list it
    lock = threading.Lock()

    def fetch_link(link: str) -> Future:
        key = canonical_url(link)
        with lock:
            if key not in fetches:
                fetches[key] = pool.submit(link, lambda: fetch_item(link, fetcher))
            return fetches[key]

    def items_of(spec: SourceSpec, entries: list[feeds.Entry]) -> list[_Part]:
        parts = []
        for entry in feeds.newest(entries, spec.limit or feed_limit):
            label = f"{spec.name or entry.feed_title or spec.location}: {entry.link or entry.title}"
            if entry.unfollowed:
                log.warning("%s: %s; reading the feed's own text for it instead", label, entry.unfollowed)
                label = f"{label} ({entry.unfollowed})"
            if entry.refused:
                parts.append(_Part(Item(label, error=SourceError(entry.link or "", entry.refused))))
            elif entry.link and not is_url(entry.link):
                parts.append(_Part(_local_item(label, entry.link, spec.location)))
            elif entry.link:
                parts.append(_Part(None, label, entry.link, fetch_link(entry.link)))
            else:
                parts.append(_Part(Item(label, feeds.inline_document(spec.location, entry))))
        return parts

    def resolve_url(spec: SourceSpec) -> list[_Part]:
        try:
            fetched = fetcher.get(spec.location)
            kind = "feed" if spec.kind == "feed" else kind_of(fetched)
            if kind == "feed":
                return items_of(spec, feeds.parse(spec.location, fetched.content, base=fetched.final_url))
            if spec.kind == "feed":
                raise SourceError(spec.location, f"is listed as a feed but is {kind}, not RSS or Atom")
            return [_Part(Item(spec.label, document(fetched)), link=spec.location)]
        except SourceError as e:
            return [_Part(Item(spec.label, error=e))]

    def resolve_file(spec: SourceSpec) -> list[_Part]:
        try:
            content = read_file(spec.location)
            kind = "feed" if spec.kind == "feed" else _file_kind(Path(spec.location), content)
            if kind != "feed":
                return [_Part(Item(spec.label, Document(source=spec.location, content=content, kind=kind)))]  # type: ignore[arg-type]
            # Relative links in a feed on disk are resolved against the feed file.
            return items_of(spec, feeds.parse(spec.location, content, base=Path(spec.location).resolve().as_uri()))
        except SourceError as e:
            return [_Part(Item(spec.label, error=e))]

    try:
        resolving: list[Future] = []
        for spec in specs:
            if spec.is_url:
                resolving.append(pool.submit(spec.location, lambda spec=spec: resolve_url(spec)))
            else:
                done: Future = Future()
                done.set_result(resolve_file(spec))
                resolving.append(done)
        seen: dict[str, str] = {}
        for future in resolving:
            for part in future.result():
                yield part.settle(seen)
    finally:
        pool.close()


def _local_item(label: str, path: str, feed: str) -> Item:
    """An item of a feed on disk that links a file beside it."""
    try:
        content = read_file(path)
        return Item(label, Document(source=path, content=content, kind=_file_kind(Path(path), content)))  # type: ignore[arg-type]
    except SourceError as e:
        return Item(label, error=SourceError(e.source, f"linked from the feed {feed}: {e.reason}"))


@dataclass(frozen=True)
class _Part:
    """One Item of a source, ready or still being fetched (a feed item's link)."""

    item: Item | None
    label: str = ""
    link: str | None = None
    pending: Future | None = None

    def settle(self, seen: dict[str, str]) -> Item:
        """The Item, waiting for its fetch; duplicates of an earlier link in this run marked."""
        if self.pending is None:
            if self.item is not None and self.item.document is not None and self.link:
                return _once(seen, self.item, self.link)
            return self.item  # type: ignore[return-value]
        earlier = _seen_before(seen, self.link or "")
        if earlier:
            return Item(self.label, duplicate_of=earlier)
        try:
            return _once(seen, Item(self.label, self.pending.result()), self.link or "")
        except SourceError as e:
            return Item(self.label, error=e)


class _Pool:
    """Threads for fetching: at most `parallel` jobs running, `per_host` to any one host.

    Jobs wait here, not in a thread, so a slow host never holds a slot another host could use.
    """

    def __init__(self, parallel: int, per_host: int):
        self.parallel, self.per_host = max(parallel, 1), max(per_host, 1)
        self.executor = ThreadPoolExecutor(max_workers=self.parallel, thread_name_prefix="fetch")
        self.lock = threading.Lock()
        self.waiting: deque[tuple[str, Callable[[], object], Future]] = deque()
        self.running: Counter[str] = Counter()
        self.busy = 0
        self.closed = False

    def submit(self, url: str, job: Callable[[], object]) -> Future:
        out: Future = Future()
        with self.lock:
            self.waiting.append(((urlsplit(url).hostname or "").lower(), job, out))
        self._dispatch()
        return out

    def _dispatch(self) -> None:
        with self.lock:
            while not self.closed and self.busy < self.parallel:
                ready = next((w for w in self.waiting if self.running[w[0]] < self.per_host), None)
                if ready is None:
                    return
                self.waiting.remove(ready)
                self.running[ready[0]] += 1
                self.busy += 1
                self.executor.submit(self._run, *ready)

    def _run(self, host: str, job: Callable[[], object], out: Future) -> None:
        try:
            result = job()
        except BaseException as e:  # handed to whoever waits for it, in the main thread
            out.set_exception(e)
        else:
            out.set_result(result)
        finally:
            with self.lock:
                self.running[host] -= 1
                self.busy -= 1
            self._dispatch()

    def close(self) -> None:
        with self.lock:
            self.closed = True
            for _host, _job, out in self.waiting:
                out.cancel()
            self.waiting.clear()
        self.executor.shutdown(wait=False, cancel_futures=True)


def fetch_item(link: str, fetcher: Fetcher) -> Document:
    check_url(link)
    return document(fetcher.get(link))


def _seen_before(seen: dict[str, str], link: str) -> str | None:
    return seen.get(canonical_url(link))


def _once(seen: dict[str, str], item: Item, link: str) -> Item:
    """The item, or a duplicate marker when the same link came earlier in this run."""
    key = canonical_url(item.document.url if item.document and item.document.url else link)
    if key in seen:
        return Item(item.label, duplicate_of=seen[key])
    seen[key] = item.label
    return item
