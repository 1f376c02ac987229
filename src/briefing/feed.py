"""The podcast feed: RSS 2.0 with the iTunes namespace, rebuilt from state on every run."""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from briefing.config import Settings
from briefing.state import EpisodeRow

FEED_NAME = "feed.xml"


def url_for(settings: Settings, relative: str) -> str:
    """Absolute URL of a file under output/, from the show's base_url."""
    return settings.show.base_url + quote(relative)


def build(settings: Settings, rows: list[EpisodeRow]) -> bytes:
    """The feed document for `rows` (newest first)."""
    from feedgen.feed import FeedGenerator

    show = settings.show
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.title(show.title)
    fg.link(href=show.website, rel="alternate")
    fg.description(show.description or show.title)
    fg.language(show.language)
    fg.podcast.itunes_author(show.author)
    fg.podcast.itunes_explicit("yes" if show.explicit else "no")
    if show.email:
        fg.podcast.itunes_owner(name=show.author, email=show.email)
    fg.podcast.itunes_category(show.category, show.subcategory or None)
    # feedgen writes entries in reverse order of adding; add oldest first to list newest first.
    for row in reversed(rows):
        fe = fg.add_entry()
        fe.id(row.guid)
        fe.guid(row.guid, permalink=False)
        fe.title(row.title)
        fe.description(_notes_text(row))
        fe.enclosure(url_for(settings, row.mp3), str(row.size), "audio/mpeg")
        fe.pubDate(datetime.fromisoformat(row.published))
        fe.podcast.itunes_duration(int(round(row.duration)))
        fe.podcast.itunes_episode(row.number)
    return fg.rss_str(pretty=True)


def _notes_text(row: EpisodeRow) -> str:
    lines = []
    for a in row.notes:
        line = a.get("title", "")
        if a.get("byline"):
            line += f" by {a['byline']}"
        if a.get("url"):
            line += f" ({a['url']})"
        lines.append(line)
    return "In this briefing: " + "; ".join(lines) if lines else row.title


def write(settings: Settings, rows: list[EpisodeRow]) -> Path:
    """Write output/feed.xml atomically: readers see the old feed or the new, never half."""
    path = settings.output / FEED_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    data = build(settings, rows)
    fd, tmp = tempfile.mkstemp(prefix=".feed.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
