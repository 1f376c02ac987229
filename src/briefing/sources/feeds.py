"""RSS and Atom feeds: their newest items, each an article link (or inline text) to read.

feedparser does the parsing: it copes with RSS 0.9x-2.0, Atom and RDF, broken markup and
odd dates, and tells us (`bozo`) when a document is not a feed at all.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlparse, urlsplit
from urllib.request import url2pathname

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
    unfollowed: str | None = None  # why the item's link was not followed, said in the summary
    refused: str | None = None  # why the link is not fetched (a file:, ftp:, data: ... link)


def parse(source: str, content: bytes, *, base: str | None) -> list[Entry]:
    """The items of a feed document; SourceError if it is not a feed or has no items."""
    import feedparser

    if not content.strip():
        raise SourceError(source, "the feed is empty (no bytes)")
    # A file: base is resolved here, not by feedparser, which mangles file:///tmp/x into file://tmp/x.
    web_base = base if base and not base.startswith("file:") else None
    parsed = feedparser.parse(content, response_headers={"content-location": web_base} if web_base else None)
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
        raw = e.get("link") or None
        scheme = _scheme(raw) if raw else ""
        # As written when refused, for the line; relative ones resolved against the feed.
        link = urljoin(base, raw) if raw and base and scheme not in REFUSED_SCHEMES else raw
        unfollowed = refused = None
        if link and not scheme and base and base.startswith("file:"):
            # A feed file on disk naming an article beside it ("bakery.html"): read that file.
            # Only a relative link of a feed read from disk: a feed from the web, or an
            # explicit file: link, never gets to name local files.
            link = url2pathname(urlparse(link).path)
        elif link and scheme in REFUSED_SCHEMES:
            # Never read from this machine or another protocol on a feed's say-so.
            refused = f"only http and https links are fetched; this item points to a {scheme}: address"
        elif link and not link.lower().startswith(("http://", "https://")):
            # A relative link with no base, or a mailto:/tag: link: the item's text is used instead.
            unfollowed = f"its link {raw!r} cannot be followed (not a web address or a file beside the feed)"
            link = None
        stamp = e.get("published_parsed") or e.get("updated_parsed")
        text = None
        if e.get("content"):
            text = max((c.get("value", "") for c in e["content"]), key=len) or None
        text = text or e.get("summary") or None
        out.append(Entry(
            title=(e.get("title") or "").strip(), link=link, content=text,
            timestamp=calendar.timegm(stamp) if stamp else None, order=i, feed_title=feed_title,
            unfollowed=unfollowed, refused=refused,
        ))
    usable = [e for e in out if e.link or e.content]
    if not usable and any(e.unfollowed for e in out):
        raise SourceError(source, next(e.unfollowed for e in out if e.unfollowed).replace("its link", "the items' links", 1))
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
