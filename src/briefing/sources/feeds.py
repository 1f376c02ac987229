"""RSS and Atom feeds: their newest items, each an article link (or inline text) to read.

feedparser does the parsing: it copes with RSS 0.9x-2.0, Atom and RDF, broken markup and
odd dates, and tells us (`bozo`) when a document is not a feed at all.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from briefing.errors import SourceError
from briefing.models import Document


# Links that name a local file or another protocol: the item is refused with a line saying so,
# rather than read as text (mailto:, tag: and relative links still fall back to the item's text).
REFUSED_SCHEMES = frozenset({"file", "ftp", "ftps", "sftp", "data", "javascript", "gopher", "smb", "ldap", "dict"})


@dataclass(frozen=True)
class Entry:
    """One feed item: where its article is, or its text when the item carries no link."""

    title: str
    link: str | None
    content: str | None  # full text or summary from the feed (HTML), for items with no link
    timestamp: float | None  # published or updated, seconds since the epoch (UTC)
    order: int  # position in the feed, for feeds without dates
    feed_title: str | None = None
    refused: str | None = None  # why the link is not fetched (a file:, ftp:, data: ... link)


def parse(source: str, content: bytes, *, base: str | None) -> list[Entry]:
    """The items of a feed document; SourceError if it is not a feed or has no items."""
    import feedparser

    if not content.strip():
        raise SourceError(source, "the feed is empty (no bytes)")
    parsed = feedparser.parse(content, response_headers={"content-location": base} if base else None)
    entries = parsed.get("entries") or []
    version = parsed.get("version") or ""
    if not entries:
        if parsed.get("bozo") and not version:
            problem = parsed.get("bozo_exception")
            raise SourceError(source, f"not a valid RSS or Atom feed ({_short(problem)}); check the feed address")
        raise SourceError(source, "the feed has no items today")
    feed_title = (parsed.get("feed") or {}).get("title") or None
    out = []
    for i, e in enumerate(entries):
        link = e.get("link") or None
        if link and base:
            link = link if _scheme(link) in REFUSED_SCHEMES else urljoin(base, link)  # as written, for the line
        refused = None
        scheme = _scheme(link) if link else ""
        if link and scheme in REFUSED_SCHEMES:
            # Never read from this machine or another protocol on a feed's say-so.
            refused = f"only http and https links are fetched; this item points to a {scheme}: address"
        elif link and not link.lower().startswith(("http://", "https://")):
            link = None  # a relative link with no base, or a mailto:/tag: link: use the item's text
        stamp = e.get("published_parsed") or e.get("updated_parsed")
        text = None
        if e.get("content"):
            text = max((c.get("value", "") for c in e["content"]), key=len) or None
        text = text or e.get("summary") or None
        out.append(Entry(
            title=(e.get("title") or "").strip(), link=link, content=text,
            timestamp=calendar.timegm(stamp) if stamp else None, order=i, feed_title=feed_title, refused=refused,
        ))
    usable = [e for e in out if e.link or e.content]
    if not usable:
        if parsed.get("bozo"):  # feedparser salvaged fragments of a broken document
            problem = parsed.get("bozo_exception")
            raise SourceError(source, f"not a valid RSS or Atom feed ({_short(problem)}); check the feed address")
        raise SourceError(source, "the feed's items have neither links nor text")
    return usable


def newest(entries: Sequence[Entry], limit: int) -> list[Entry]:
    """The `limit` newest entries, newest first; undated feeds are taken in their own order."""
    if all(e.timestamp is not None for e in entries):
        ordered = sorted(entries, key=lambda e: (-e.timestamp, e.order))  # type: ignore[operator]
    else:
        ordered = sorted(entries, key=lambda e: e.order)
    return ordered[: max(limit, 0)]


def inline_document(source: str, entry: Entry) -> Document:
    """An item with no link, read from the text the feed itself carries."""
    from html import escape

    title = f"<title>{escape(entry.title)}</title><h1>{escape(entry.title)}</h1>" if entry.title else ""
    html = f"<!doctype html><html><head><meta charset='utf-8'>{title}</head><body><article>{entry.content or ''}</article></body></html>"
    return Document(source=f"{source}#{entry.order + 1}", content=html.encode("utf-8"),
                    content_type="text/html; charset=utf-8", kind="html")


def _scheme(link: str) -> str:
    return urlsplit(link).scheme.lower()


def _short(problem: object) -> str:
    text = str(problem or "unreadable").strip().splitlines()[0] if problem else "unreadable"
    return text[:120]
