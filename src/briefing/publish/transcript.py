"""Side files of an episode: a WebVTT transcript and Podcasting 2.0 JSON chapters.

Both are timed from the assembled track (`Track.cues`, `Track.chapters`), i.e. from the real
length of every clip and pause, not estimated from word counts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from briefing import atomic
from briefing.models import Chapter, Cue
from briefing.safe_text import one_line, safe_url

# https://github.com/Podcastindex-org/podcast-namespace/blob/main/chapters/jsonChapters.md
CHAPTERS_VERSION = "1.2.0"
CHAPTERS_TYPE = "application/json+chapters"
TRANSCRIPT_TYPE = "text/vtt"
NARRATOR = "Narrator"


def timestamp(seconds: float) -> str:
    """WebVTT time: HH:MM:SS.mmm (hours always present, so any length is valid)."""
    ms = max(0, int(round(seconds * 1000)))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def _cue_text(text: str) -> str:
    # In cue text `&` and `<` start entities and tags, and `-->` ends the timing line; a blank
    # line would end the cue. Escape the three and keep the cue on one line.
    return one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _voice(speaker: str | None) -> str:
    # The voice annotation runs to the first `>`; keep names free of it.
    name = one_line(speaker) or NARRATOR
    return name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def webvtt(cues: Sequence[Cue]) -> str:
    """A WebVTT document with one cue per segment, `<v Speaker>` naming who reads it."""
    out = ["WEBVTT", ""]
    for i, cue in enumerate(cues, start=1):
        text = _cue_text(cue.text)
        if not text:
            continue
        out += [str(i), f"{timestamp(cue.start)} --> {timestamp(max(cue.end, cue.start))}",
                f"<v {_voice(cue.speaker)}>{text}", ""]
    return "\n".join(out)


def chapters_doc(chapters: Sequence[Chapter], *, title: str = "", podcast: str = "") -> dict:
    """The Podcasting 2.0 JSON chapters document: one entry per chapter, in order."""
    items = []
    for ch in chapters:
        item: dict = {"startTime": round(ch.start, 3), "endTime": round(ch.end, 3), "title": one_line(ch.title)}
        if safe_url(ch.url):
            item["url"] = safe_url(ch.url)
        items.append(item)
    doc: dict = {"version": CHAPTERS_VERSION}
    if title:
        doc["title"] = one_line(title)
    if podcast:
        doc["podcastName"] = one_line(podcast)
    doc["chapters"] = items
    return doc


write_text = atomic.write_text


def write_transcript(path: Path, cues: Sequence[Cue]) -> Path:
    return write_text(path, webvtt(cues))


def write_chapters(path: Path, chapters: Sequence[Chapter], *, title: str = "", podcast: str = "") -> Path:
    doc = chapters_doc(chapters, title=title, podcast=podcast)
    return write_text(path, json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
