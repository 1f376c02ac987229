"""Reading sources: turn what the producer names (files, folders, URLs) into Documents."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from briefing.errors import SourceError
from briefing.models import Document

HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
TEXT_SUFFIXES = {".txt", ".text"}
# Producers' folders also hold notes and images; only these are read as articles.
ARTICLE_SUFFIXES = HTML_SUFFIXES | TEXT_SUFFIXES
# A saved page over this is not an article; it is refused before it is read into memory.
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class SourceSpec:
    """One thing to read: a local file or an http(s) URL."""

    location: str

    @property
    def is_url(self) -> bool:
        return self.location.lower().startswith(("http://", "https://"))


def is_url(text: str) -> bool:
    return "://" in text


def expand(names: list[str] | tuple[str, ...], root: Path) -> list[SourceSpec]:
    """Files, folders and URLs, folders expanded to their article files in name order."""
    specs: list[SourceSpec] = []
    for name in names:
        if is_url(name):
            specs.append(SourceSpec(name))
            continue
        path = Path(name).expanduser()
        if not path.is_absolute():
            path = root / path
        if path.is_dir():
            for child in sorted(path.iterdir()):
                if child.is_file() and child.suffix.lower() in ARTICLE_SUFFIXES:
                    specs.append(SourceSpec(str(child)))
        else:
            specs.append(SourceSpec(str(path)))
    return specs


def read(spec: SourceSpec | str) -> Document:
    """Read one source into a Document, or raise SourceError saying why not."""
    location = spec.location if isinstance(spec, SourceSpec) else spec
    if is_url(location):
        from briefing.fetch import fetch_document

        return fetch_document(location)
    path = Path(location)
    if not path.exists():
        raise SourceError(location, "file not found. Check the path")
    if path.is_dir():
        raise SourceError(location, "is a folder; name the files in it, or list the folder in [sources].paths")
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise SourceError(location, f"file is {size // 2**20} MB, over the {MAX_FILE_BYTES // 2**20} MB limit for one article")
    try:
        content = path.read_bytes()
    except OSError as e:
        raise SourceError(location, f"cannot read file: {e.strerror}") from e
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        kind = "text"
    elif suffix in HTML_SUFFIXES:
        kind = "html"
    else:
        # Unknown suffix: sniff, since producers save pages with odd names.
        head = content[:2048].lstrip().lower()
        kind = "html" if head.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<body" in head else "text"
    return Document(source=location, content=content, kind=kind, url=None)
