"""Publishing an episode: its transcript, chapters and web page beside the MP3, its record in
state, retention, and the show page and feed rebuilt from state."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timezone
from pathlib import Path

from briefing import state
from briefing.config import FeedSettings, Show
from briefing.models import Episode
from briefing.publish import feed, pages, transcript

log = logging.getLogger("briefing")


def guid(show_title: str, date: str) -> str:
    """The episode's guid: the same for a re-made date, so apps replace it rather than add one."""
    return "briefing-" + hashlib.sha256(f"{show_title}|{date}".encode()).hexdigest()[:16] + "-" + date


def write_side_files(show: Show, episode: Episode) -> dict[str, Path]:
    """The transcript (WebVTT) and the chapters (JSON) beside the episode's MP3."""
    mp3 = Path(episode.mp3)
    return {
        "transcript": transcript.write_transcript(mp3.with_suffix(".vtt"), episode.cues),
        "chapters": transcript.write_chapters(mp3.with_name(f"{mp3.stem}.chapters.json"), episode.chapters,
                                              title=episode.title, podcast=show.title),
    }


def publish(show: Show, output: Path, state_db: Path, keep: FeedSettings, episode: Episode, *,
            extra_files: dict[str, Path] | None = None) -> Path:
    """Write the transcript and chapters beside the MP3, record the episode in state, drop
    episodes past retention (feed item first, then files) and rebuild the feed."""
    mp3 = Path(episode.mp3)
    rel = mp3.relative_to(output).as_posix()
    side = {**write_side_files(show, episode), **(extra_files or {})}
    # With the side files, before the state commit: pruning removes it with them.
    side["page"] = pages.write_episode(output, show, episode, script=side.get("script"))
    files = {k: Path(p).relative_to(output).as_posix() for k, p in side.items()}
    row = state.EpisodeRow(
        date=episode.date, guid=guid(show.title, episode.date), title=episode.title, mp3=rel, size=episode.size,
        duration=episode.duration, published=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        number=0,
        notes=[{"title": a.title, "byline": a.byline, "url": a.url, "source": a.source} for a in episode.articles],
        files=files,
    )
    with state.connect(state_db) as conn:
        state.record_articles(conn, episode.date, list(episode.articles))  # committed with the episode
        state.upsert_episode(conn, row)
        pruned = state.prune_episodes(conn, keep_episodes=keep.keep_episodes, keep_days=keep.keep_days)
        rows = state.episodes(conn)
    pages.write_show(output, show, rows, feed_url=feed.url_for(show, feed.FEED_NAME))
    path = feed.write(show, output, rows)
    for old in pruned:
        log.info("retention: removed the episode of %s", old.date)
        feed.remove_episode_files(output, old)
    return path


def retention_preview(state_db: Path, keep: FeedSettings, date: str, *, title: str) -> tuple[list[state.EpisodeRow], list[state.EpisodeRow]]:
    """(kept, deleted) episodes, newest first, if an episode for `date` were published now; reads only."""
    with state.reading(state_db) as conn:
        rows = [r for r in state.episodes(conn) if r.date != date]
    new = state.EpisodeRow(date, "", title, "", 0, 0.0, "", 0, [], {})
    rows = sorted([*rows, new], key=lambda r: r.date, reverse=True)
    doomed = state.past_retention(rows, keep_episodes=keep.keep_episodes, keep_days=keep.keep_days)
    gone = {r.date for r in doomed}
    return [r for r in rows if r.date not in gone], sorted(doomed, key=lambda r: r.date, reverse=True)
