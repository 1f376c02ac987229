"""Helpers for run-level tests: a silent show with fast fetch limits, pages, feeds, state."""

from __future__ import annotations

import json
import sqlite3
from email.utils import format_datetime
from datetime import datetime, timedelta, timezone
from html import escape
from pathlib import Path

from click.testing import CliRunner

from briefing.cli import cli
from conftest import write_show

# Short limits so the slow-server and retry scenarios take a fraction of a second.
FAST_FETCH = """
[fetch]
connect_timeout = 2
read_timeout = 0.5
retries = 1
backoff = 0.01
max_retry_wait = 1
max_mb = 5
[synthesis]
workers = 1
"""


def show(folder: Path, sources: str = "", extra: str = "") -> Path:
    """A silent show whose [sources] section is `sources` (TOML), with fast fetch limits."""
    return write_show(folder, extra=FAST_FETCH + "\n" + extra + "\n" + sources)


def article(title: str, *paragraphs: str, lang: str = "en", charset: str = "utf-8", meta: bool = True) -> str:
    """An article page the cleaner accepts: headline, byline, paragraphs, some clutter around."""
    body = "".join(f"<p>{escape(p)}</p>\n" for p in paragraphs)
    head = f'<meta charset="{charset}">' if meta else ""
    return (
        f'<!doctype html><html lang="{lang}"><head>{head}<title>{escape(title)} | Test News</title>'
        f'<meta property="og:title" content="{escape(title)}"></head>'
        f'<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>'
        f'<article><h1>{escape(title)}</h1><p class="byline">By Sam Reporter</p>\n{body}</article>'
        f"<footer>Subscribe to our newsletter. Copyright Test News.</footer></body></html>"
    )


def story(n: int, title: str | None = None) -> str:
    title = title or f"Story number {n} makes the news"
    return article(
        title,
        f"The first paragraph of story {n} tells readers what happened in the town on that day.",
        f"Officials said the event number {n} went well and that more details would follow soon.",
        f"Residents told reporters that story {n} was the talk of the market all afternoon.",
    )


def rss(title: str, items: list[tuple[str, str, datetime]]) -> str:
    """An RSS 2.0 feed of (title, link, published) items."""
    entries = "".join(
        f"<item><title>{escape(t)}</title><link>{escape(link)}</link><guid>{escape(link)}</guid>"
        f"<pubDate>{format_datetime(when)}</pubDate></item>"
        for t, link, when in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<link>http://127.0.0.1/</link><description>test</description>{entries}</channel></rss>"
    )


def day0(n: int) -> datetime:
    return datetime(2026, 3, 1, 6, 0, tzinfo=timezone.utc) + timedelta(days=n)


def make(config: Path, *args: str):
    return CliRunner().invoke(cli, ["--config", str(config), "make", *args])


def db(home: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(home / "state.sqlite3")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return conn


def episodes(home: Path) -> list[tuple[str, str]]:
    """(date, guid) of every episode in state, oldest first."""
    return db(home).execute("SELECT date, guid FROM episodes ORDER BY date").fetchall()


def briefed(home: Path) -> list[tuple[str, str]]:
    """(episode date, title) of every briefed article, in date order."""
    return db(home).execute("SELECT episode_date, title FROM articles ORDER BY episode_date, title").fetchall()


def script(folder: Path, date: str) -> dict:
    return json.loads((folder / "output" / date / f"briefing-{date}.json").read_text("utf-8"))
