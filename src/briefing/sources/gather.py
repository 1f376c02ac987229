"""Reading sources: turn what the producer names (files, folders, URLs, feeds) into Documents.

A source is a local file or folder, an article URL, or an RSS/Atom feed (a URL or a file)
whose newest items are read as articles. `gather` walks the list and yields one `Item` per
article: its Document, or the reason it could not be read, so one bad source never stops
the others.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

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
    """Every article the sources name, in order: feeds contribute their newest items."""
    seen: dict[str, str] = {}
    for spec in specs:
        try:
            if spec.is_url:
                fetched = fetcher.get(spec.location)
                kind = "feed" if spec.kind == "feed" else kind_of(fetched)
                if kind == "feed":
                    entries = feeds.parse(spec.location, fetched.content, base=fetched.final_url)
                elif spec.kind == "feed":
                    raise SourceError(spec.location, f"is listed as a feed but is {kind}, not RSS or Atom")
                else:
                    yield _once(seen, Item(spec.label, document(fetched)), spec.location)
                    continue
            else:
                content = read_file(spec.location)
                kind = "feed" if spec.kind == "feed" else _file_kind(Path(spec.location), content)
                if kind != "feed":
                    yield Item(spec.label, Document(source=spec.location, content=content, kind=kind))  # type: ignore[arg-type]
                    continue
                # Relative links in a feed on disk are resolved against the feed file.
                entries = feeds.parse(spec.location, content, base=Path(spec.location).resolve().as_uri())
        except SourceError as e:
            yield Item(spec.label, error=e)
            continue
        for entry in feeds.newest(entries, spec.limit or feed_limit):
            label = f"{spec.name or entry.feed_title or spec.location}: {entry.link or entry.title}"
            if entry.unfollowed:
                log.warning("%s: %s; reading the feed's own text for it instead", label, entry.unfollowed)
                label = f"{label} ({entry.unfollowed})"
            if entry.link and not is_url(entry.link):
                try:
                    content = read_file(entry.link)
                    kind = _file_kind(Path(entry.link), content)
                    yield Item(label, Document(source=entry.link, content=content, kind=kind))  # type: ignore[arg-type]
                except SourceError as e:
                    yield Item(label, error=SourceError(e.source, f"linked from the feed {spec.location}: {e.reason}"))
                continue
            if entry.link:
                earlier = _seen_before(seen, entry.link)
                if earlier:
                    yield Item(label, duplicate_of=earlier)
                    continue
                try:
                    yield _once(seen, Item(label, fetch_item(entry.link, fetcher)), entry.link)
                except SourceError as e:
                    yield Item(label, error=e)
            else:
                yield Item(label, feeds.inline_document(spec.location, entry))


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
