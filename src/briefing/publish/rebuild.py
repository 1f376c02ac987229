"""`briefing state rebuild`: the state database made again from feed.xml and the episode folders.

In: output/feed.xml (guid, title, enclosure, first publication date, duration, number, the
transcript and chapters links of each episode) and each episode's script JSON beside its MP3
(the articles, their links and the hash of their text). Out: a new state database with those
episodes and articles, so the next `briefing make` keeps the published episodes in the feed
and does not brief their stories again. The old database, if any, is kept beside it as
`state.sqlite3.broken-<time>`, never deleted.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from briefing import state
from briefing.publish.feed import FEED_NAME, ITUNES_NS, PODCAST_NS
from briefing.state import EpisodeRow, StateError

log = logging.getLogger("briefing.rebuild")

_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Rebuilt:
    """What a rebuild recorded, and where the old database went."""

    database: Path
    episodes: int
    articles: int
    kept_old: Path | None
    missing: tuple[str, ...]  # dates whose MP3 is gone: left out of the record


def _relative(base: str, url: str | None, date: str) -> str | None:
    """The path under output/ of a link the feed gives, from base_url (or the date folder)."""
    if not url:
        return None
    if url.startswith(base):
        rel = unquote(url[len(base):])
    else:
        rel = f"{date}/{unquote(urlsplit(url).path.rsplit('/', 1)[-1])}"
    parts = [p for p in rel.split("/") if p]
    if not parts or any(p in ("..", ".") or p.startswith(".") for p in parts):
        return None
    return "/".join(parts)


def _duration(text: str | None) -> float:
    if not text:
        return 0.0
    try:
        total = 0.0
        for part in text.strip().split(":"):
            total = total * 60 + float(part)
        return total
    except ValueError:
        return 0.0


def _published(text: str | None) -> str:
    try:
        dt = parsedate_to_datetime(text) if text else None
    except (TypeError, ValueError):
        dt = None
    dt = dt or datetime.now(UTC)
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def _script(output: Path, mp3: str) -> dict:
    path = output / (mp3.rsplit(".", 1)[0] + ".json")
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def read_feed(base_url: str, output: Path) -> list[tuple[EpisodeRow, list[dict]]]:
    """Every episode feed.xml lists, with the articles of its script (oldest number first)."""
    from lxml import etree

    feed_xml = output / FEED_NAME
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        root = etree.parse(str(feed_xml), parser).getroot()
    except OSError:
        raise StateError(f"{feed_xml} is missing: there is no published record to rebuild the state from") from None
    except etree.XMLSyntaxError as e:
        raise StateError(f"{feed_xml} is not readable XML ({e}): restore it, or the state database, from a backup") from None
    out = []
    items = root.findall("channel/item")
    for index, item in enumerate(reversed(items), start=1):  # the feed lists the newest first
        guid = (item.findtext("guid") or "").strip()
        m = _DATE.search(guid)
        if not m:
            log.warning("feed item %r has no briefing guid; left out", guid[:80])
            continue
        date = m.group(1)
        enclosure = item.find("enclosure")
        mp3 = _relative(base_url, enclosure.get("url") if enclosure is not None else None, date)
        if mp3 is None:
            log.warning("episode %s: no usable enclosure in the feed; left out", date)
            continue
        files = {}
        for key, tag in (("transcript", f"{{{PODCAST_NS}}}transcript"), ("chapters", f"{{{PODCAST_NS}}}chapters")):
            el = item.find(tag)
            rel = _relative(base_url, el.get("url") if el is not None else None, date)
            if rel:
                files[key] = rel
        stem = mp3.rsplit(".", 1)[0]
        for key, suffix in (("script", ".json"), ("text", ".txt")):
            if (output / (stem + suffix)).is_file():
                files[key] = stem + suffix
        page = f"{date}/index.html"  # the episode's web page (publish/pages.py)
        if (output / page).is_file():
            files["page"] = page
        script = _script(output, mp3)
        articles = [a for a in script.get("articles", []) if isinstance(a, dict)]
        notes = [{"title": a.get("title") or "", "byline": a.get("byline"), "url": a.get("url"),
                  "source": a.get("source") or ""} for a in articles]
        try:
            number = int(item.findtext(f"{{{ITUNES_NS}}}episode") or index)
        except ValueError:
            number = index
        row = EpisodeRow(
            date=date, guid=guid, title=(item.findtext("title") or "").strip(), mp3=mp3,
            size=int(enclosure.get("length") or 0), duration=_duration(item.findtext(f"{{{ITUNES_NS}}}duration")),
            published=_published(item.findtext("pubDate")), number=number, notes=notes, files=files,
        )
        out.append((row, articles))
    return out


def rebuild(base_url: str, output: Path, db: Path) -> Rebuilt:
    """Make the state database `db` again from feed.xml under `output` and the episode folders
    (see the module); `base_url` is the show's, which the feed's links start with."""
    episodes = read_feed(base_url, output)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept: Path | None = None
    new = db.with_name(db.name + ".rebuild")
    for leftover in (new, Path(f"{new}-wal"), Path(f"{new}-shm")):
        leftover.unlink(missing_ok=True)
    missing: list[str] = []
    n_articles = 0
    with state.connect(new) as conn:
        for row, articles in episodes:
            path = output / row.mp3
            if not path.is_file():
                log.warning("episode %s: %s is missing; left out of the record", row.date, path)
                missing.append(row.date)
                continue
            state.restore_episode(conn, EpisodeRow(**{**row.__dict__, "size": path.stat().st_size}))
            entries = []
            for a in articles:
                digest = a.get("hash")
                if not isinstance(digest, str) or not digest:
                    log.warning("episode %s: %r has no text hash in its script (made by an older version); "
                                "a later run may brief it again", row.date, a.get("title"))
                    continue
                key = state.canonical_url(a.get("url") or a.get("source") or "")
                entries.append((key, digest, a.get("title") or "", a.get("source") or ""))
            state.record_hashes(conn, row.date, entries)
            n_articles += len(entries)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    if db.exists():
        kept = db.with_name(f"{db.name}.broken-{stamp}")
        os.replace(db, kept)
    # A stale write-ahead log of the old file must never be applied to the new one.
    for suffix in ("-wal", "-shm"):
        old = Path(f"{db}{suffix}")
        if old.exists():
            os.replace(old, Path(f"{kept or db.with_name(db.name + '.broken-' + stamp)}{suffix}"))
    for suffix in ("-wal", "-shm"):
        Path(f"{new}{suffix}").unlink(missing_ok=True)
    os.replace(new, db)
    return Rebuilt(db, len(episodes) - len(missing), n_articles, kept, tuple(missing))
