"""State: one SQLite database of episodes and articles already briefed.

Migrations are numbered and append-only (as `llm` keeps its logs database): a database made by
any earlier version is brought forward, never rebuilt. The feed is rebuilt from this state, so
re-running `briefing make` is always safe.

The database is the published record: a run with it emptied, replaced or lost would drop every
published episode from the feed and brief old stories again. `check_record` refuses that when
feed.xml already lists episodes; `briefing state rebuild` (rebuild.py) makes the record again
from feed.xml and the episode folders.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from briefing.errors import BriefingError

if TYPE_CHECKING:
    from briefing.models import Article

REBUILD_HINT = ("restore it from a backup, or run `briefing state rebuild` to rebuild it from "
                "feed.xml and the episode folders")


class StateError(BriefingError):
    """The state database is unreadable, or does not match the published feed."""

# Append only: never edit a migration that has shipped; add the next one.
MIGRATIONS: tuple[str, ...] = (
    # 1: episodes, one per date; the feed is rebuilt from these rows
    """
    CREATE TABLE episodes (
        date TEXT PRIMARY KEY,          -- YYYY-MM-DD, also the guid's stable part
        guid TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        mp3 TEXT NOT NULL,              -- path relative to the output folder
        size INTEGER NOT NULL,
        duration REAL NOT NULL,
        published TEXT NOT NULL,        -- RFC 3339 time of first publication
        number INTEGER NOT NULL,        -- itunes:episode
        notes TEXT NOT NULL,            -- JSON: the articles' titles, links, bylines
        files TEXT NOT NULL DEFAULT '{}' -- JSON: transcript, chapters, script paths
    );
    """,
    # 2: articles briefed, so a later run does not repeat them unless their text changed
    """
    CREATE TABLE articles (
        url TEXT NOT NULL,              -- canonical URL, or the file path
        hash TEXT NOT NULL,             -- sha256 of the cleaned text
        title TEXT NOT NULL,
        episode_date TEXT NOT NULL,
        PRIMARY KEY (url, hash)
    );
    """,
    # 3: look articles up by text (the same story under another URL is still a repeat) and by
    # episode (a re-run for a date replaces that date's articles); keep where each came from
    """
    ALTER TABLE articles ADD COLUMN source TEXT NOT NULL DEFAULT '';
    CREATE INDEX articles_hash ON articles (hash);
    CREATE INDEX articles_episode ON articles (episode_date);
    """,
)


@dataclass(frozen=True)
class EpisodeRow:
    date: str
    guid: str
    title: str
    mp3: str
    size: int
    duration: float
    published: str
    number: int
    notes: list[dict]
    files: dict


def migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, sql in enumerate(MIGRATIONS[version:], start=version + 1):
        with conn:
            conn.executescript(sql)
            conn.execute(f"PRAGMA user_version = {number}")


def unreadable(path: Path, e: Exception) -> StateError:
    return StateError(f"{path} is not a readable state database ({e}): {REBUILD_HINT}")


@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    path.parent.mkdir(parents=True, exist_ok=True)
    # WAL journaling keeps the database whole if a run is killed mid-write.
    conn = sqlite3.connect(path, timeout=30)
    try:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            migrate(conn)
        except sqlite3.OperationalError:
            raise  # locked, read-only, disk full: not damage
        except sqlite3.DatabaseError as e:  # "file is not a database", "malformed"
            raise unreadable(path, e) from None
        try:
            yield conn
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as e:
            raise unreadable(path, e) from None
    finally:
        conn.close()


def feed_guids(feed_xml: Path) -> set[str]:
    """The guids of the episodes feed.xml lists (none if it is missing or unreadable)."""
    if not feed_xml.is_file():
        return set()
    from lxml import etree

    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.parse(str(feed_xml), parser).getroot()
    except (etree.XMLSyntaxError, OSError):
        return set()
    return {g.text.strip() for g in root.iterfind("channel/item/guid") if g.text and g.text.strip()}


def _check_files(path: Path, output: Path, mp3s: list[str]) -> None:
    """Refuse a record whose episodes are none of them in `output` (the folder was moved)."""
    missing = [m for m in mp3s if not (output / m).is_file()]
    if mp3s and len(missing) == len(mp3s):
        raise StateError(
            f"{path} records {len(mp3s)} episode{'s' if len(mp3s) != 1 else ''}, but none is in {output} "
            f"(no {output / missing[0]}): if [show].output was changed, move the episode folders and "
            "feed.xml there or set it back; the feed would list files that are not there")
    if missing:
        import logging

        logging.getLogger("briefing.state").warning(
            "%d recorded episode%s not in %s (%s): the feed lists %s until retention drops %s",
            len(missing), "s are" if len(missing) > 1 else " is", output, ", ".join(missing[:3]),
            "them" if len(missing) > 1 else "it", "them" if len(missing) > 1 else "it")


def check_record(path: Path, feed_xml: Path) -> None:
    """Refuse a state database that is unreadable, or knows none of the episodes feed.xml lists.

    A run on such a database would re-brief old stories and rebuild the feed without the
    published episodes, leaving their files orphaned.
    """
    published = feed_guids(feed_xml)
    if path.is_file() and path.stat().st_size > 0:
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
            try:
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
                rows = conn.execute("SELECT guid, mp3 FROM episodes").fetchall() if "episodes" in tables else []
                known = {guid for guid, _ in rows}
            finally:
                conn.close()
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as e:
            raise unreadable(path, e) from None
        _check_files(path, feed_xml.parent, [mp3 for _, mp3 in rows])
        if not published or known & published:
            return
        what = "records none of the episodes" if known else "has no episodes, but"
    elif not published:
        return
    else:
        what = "is empty, but" if path.exists() else "is missing, but"
    n = len(published)
    raise StateError(f"{path} {what} {feed_xml} lists {n} published episode{'s' if n != 1 else ''}: "
                     f"{REBUILD_HINT}")


def has_episode(path: Path, date: str) -> bool:
    """Whether an episode for `date` is recorded, read without creating or migrating anything."""
    if not path.is_file():
        return False
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT 1 FROM episodes WHERE date = ?", (date,)).fetchone() is not None
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def _row(r: tuple) -> EpisodeRow:
    return EpisodeRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], json.loads(r[8]), json.loads(r[9]))


def episodes(conn: sqlite3.Connection) -> list[EpisodeRow]:
    """Every kept episode, newest first."""
    rows = conn.execute(
        "SELECT date, guid, title, mp3, size, duration, published, number, notes, files "
        "FROM episodes ORDER BY date DESC"
    ).fetchall()
    return [_row(r) for r in rows]


def restore_episode(conn: sqlite3.Connection, row: EpisodeRow) -> None:
    """Record `row` exactly as given (guid, number, first date): for rebuilding the record."""
    with conn:
        conn.execute(
            "INSERT OR REPLACE INTO episodes VALUES (?,?,?,?,?,?,?,?,?,?)",
            (row.date, row.guid, row.title, row.mp3, row.size, row.duration, row.published, row.number,
             json.dumps(row.notes), json.dumps(row.files)),
        )


def upsert_episode(conn: sqlite3.Connection, row: EpisodeRow) -> EpisodeRow:
    """Add the episode, or replace that date's episode keeping its guid, number and first date."""
    old = conn.execute("SELECT guid, number, published FROM episodes WHERE date = ?", (row.date,)).fetchone()
    if old:
        guid, number, published = old
    else:
        guid, published = row.guid, row.published
        number = (conn.execute("SELECT MAX(number) FROM episodes").fetchone()[0] or 0) + 1
    with conn:
        conn.execute(
            "INSERT OR REPLACE INTO episodes VALUES (?,?,?,?,?,?,?,?,?,?)",
            (row.date, guid, row.title, row.mp3, row.size, row.duration, published, number,
             json.dumps(row.notes), json.dumps(row.files)),
        )
    return EpisodeRow(row.date, guid, row.title, row.mp3, row.size, row.duration, published, number, row.notes, row.files)


def past_retention(rows: list[EpisodeRow], *, keep_episodes: int = 0, keep_days: int = 0) -> list[EpisodeRow]:
    """The episodes of `rows` (newest first) that retention drops, oldest first.

    `keep_episodes` keeps the newest N; `keep_days` keeps those within N days of the newest
    episode (not of the clock, so a backfill run is judged like the run that made it and
    tests are repeatable). 0 turns a limit off.
    """
    from datetime import date, timedelta

    doomed = {r.date: r for r in rows[keep_episodes:]} if keep_episodes > 0 else {}
    if keep_days > 0 and rows:
        cutoff = date.fromisoformat(rows[0].date) - timedelta(days=keep_days)
        doomed.update({r.date: r for r in rows if date.fromisoformat(r.date) <= cutoff})
    return sorted(doomed.values(), key=lambda r: r.date)


def prune_episodes(conn: sqlite3.Connection, *, keep_episodes: int = 0, keep_days: int = 0) -> list[EpisodeRow]:
    """Remove episodes beyond retention (see past_retention) and return them; deleting their
    files is the caller's."""
    doomed = past_retention(episodes(conn), keep_episodes=keep_episodes, keep_days=keep_days)
    if doomed:
        with conn:
            conn.executemany("DELETE FROM episodes WHERE date = ?", [(r.date,) for r in doomed])
    return doomed


@contextmanager
def reading(path: Path) -> Iterator[sqlite3.Connection]:
    """The state opened read-only (for a dry run); an empty, migrated in-memory one if there is none."""
    if path.is_file():
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    else:
        conn = sqlite3.connect(":memory:")
        migrate(conn)
    try:
        yield conn
    finally:
        conn.close()


# Query parameters that only track where a reader came from; the same article carries any of them.
TRACKING_PARAMS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid", "at_medium", "at_campaign")


def canonical_url(url: str) -> str:
    """One spelling per article URL: lower-case scheme and host, no fragment, no tracking query."""
    if "://" not in url:
        return url  # a file path
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and not (parts.scheme.lower(), parts.port) in (("http", 80), ("https", 443)):
        host += f":{parts.port}"
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith(TRACKING_PARAMS)]
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", urlencode(query), ""))


def content_hash(article: Article) -> str:
    """sha256 of the words a listener hears: headline and body, whitespace and Unicode form evened out."""
    text = "\n".join([article.title, *(b.text for b in article.body)])
    text = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def article_key(article: Article) -> tuple[str, str]:
    """(canonical URL or file path, content hash): what makes an article already briefed."""
    return canonical_url(article.url or article.source), content_hash(article)


def briefed_on(conn: sqlite3.Connection, article: Article, *, before: str) -> str | None:
    """The date of an episode earlier than `before` that already had this text, if any.

    Only earlier dates count: re-making or back-filling a date includes what that date had,
    even when a later episode has briefed the same story since.
    """
    _, digest = article_key(article)
    row = conn.execute(
        "SELECT episode_date FROM articles WHERE hash = ? AND episode_date < ? ORDER BY episode_date LIMIT 1",
        (digest, before),
    ).fetchone()
    return row[0] if row else None


def record_hashes(conn: sqlite3.Connection, date: str, entries: list[tuple[str, str, str, str]]) -> None:
    """Record (url or path, hash, title, source) as briefed on `date`: for rebuilding the record."""
    with conn:
        conn.executemany(
            "INSERT OR REPLACE INTO articles (url, hash, title, episode_date, source) VALUES (?,?,?,?,?)",
            [(url, digest, title, date, source) for url, digest, title, source in entries],
        )


def record_articles(conn: sqlite3.Connection, date: str, articles: list[Article]) -> None:
    """Make `articles` the ones briefed on `date` (a re-run replaces that date's list).

    No commit here: called just before `upsert_episode`, whose commit makes the episode and
    its articles one transaction, so a killed run records both or neither.
    """
    conn.execute("DELETE FROM articles WHERE episode_date = ?", (date,))
    for a in articles:
        url, digest = article_key(a)
        conn.execute(
            "INSERT OR REPLACE INTO articles (url, hash, title, episode_date, source) VALUES (?,?,?,?,?)",
            (url, digest, a.title, date, a.source),
        )


def briefed(conn: sqlite3.Connection) -> list[tuple[str, str, str, str]]:
    """Every briefed article as (episode date, url, title, hash), oldest first."""
    return conn.execute(
        "SELECT episode_date, url, title, hash FROM articles ORDER BY episode_date, url"
    ).fetchall()
