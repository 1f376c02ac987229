"""ID3v2 tags for an episode MP3: title, artist, album, date, cover, comment and chapters.

Chapters are CHAP frames under one ordered top-level CTOC, the ID3 chapter addendum that
Apple Podcasts, Overcast and Pocket Casts read; they mirror the episode's JSON chapters
(same titles, same start and end times in milliseconds).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from briefing.errors import AudioError
from briefing.models import Chapter
from briefing.safe_text import one_line, safe_url, xml_safe

TOC_ID = "toc"


@dataclass(frozen=True)
class ChapterTag:
    """A chapter as read back from an MP3: id, title, start and end in ms, URL."""

    id: str
    title: str
    start_ms: int
    end_ms: int
    url: str | None = None


def _ms(seconds: float) -> int:
    return max(0, int(round(seconds * 1000)))


def preload() -> None:
    """Import mutagen's ID3 support (~25 ms) ahead of `write`."""
    import mutagen.id3  # noqa: F401


def write(
    path: Path,
    *,
    title: str,
    artist: str,
    album: str,
    date: str,
    chapters: Sequence[Chapter] = (),
    comment: str = "",
    cover: tuple[bytes, str] | None = None,
    language: str = "eng",
) -> None:
    """Set the episode's ID3v2.4 tags on `path`, replacing any earlier ones of ours."""
    from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TDRC, TIT2, TPE1, WXXX, CTOCFlags, ID3NoHeaderError

    try:
        tags = ID3(path)
    except ID3NoHeaderError:
        tags = ID3()
    except Exception as e:  # mutagen raises its own MutagenError and OSError
        raise AudioError(f"cannot read tags of {path.name}: {e}") from e
    for frame in ("TIT2", "TPE1", "TALB", "TDRC", "APIC", "COMM", "CHAP", "CTOC"):
        tags.delall(frame)
    tags.add(TIT2(encoding=3, text=one_line(title)))
    tags.add(TPE1(encoding=3, text=one_line(artist)))
    tags.add(TALB(encoding=3, text=one_line(album)))
    tags.add(TDRC(encoding=3, text=date))
    if comment:
        tags.add(COMM(encoding=3, lang=language, desc="", text=xml_safe(comment)))
    if cover is not None:
        data, mime = cover
        tags.add(APIC(encoding=3, mime=mime, type=3, desc="Cover", data=data))
    ids = [f"chp{i}" for i in range(len(chapters))]
    for cid, ch in zip(ids, chapters):
        sub = [TIT2(encoding=3, text=one_line(ch.title))]
        if safe_url(ch.url):
            sub.append(WXXX(encoding=3, desc="", url=safe_url(ch.url)))
        # Byte offsets 0xFFFFFFFF mean "not given": players seek by time.
        tags.add(CHAP(element_id=cid, start_time=_ms(ch.start), end_time=_ms(ch.end),
                      start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF, sub_frames=sub))
    if ids:
        tags.add(CTOC(element_id=TOC_ID, flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                      child_element_ids=ids, sub_frames=[TIT2(encoding=3, text="Chapters")]))
    try:
        tags.save(path, v2_version=4)
    except Exception as e:
        raise AudioError(f"cannot write tags to {path.name}: {e}") from e


def read_chapters(path: Path) -> list[ChapterTag]:
    """The chapters of `path` in the order its top-level CTOC lists them."""
    from mutagen.id3 import ID3, CTOCFlags

    tags = ID3(path)
    chaps = {f.element_id: f for f in tags.getall("CHAP")}
    tocs = [t for t in tags.getall("CTOC") if t.flags & CTOCFlags.TOP_LEVEL]
    order = list(tocs[0].child_element_ids) if tocs else sorted(chaps, key=lambda k: chaps[k].start_time)
    out = []
    for cid in order:
        f = chaps[cid]
        title = f.sub_frames.get("TIT2")
        urls = f.sub_frames.getall("WXXX")
        out.append(ChapterTag(cid, str(title.text[0]) if title else "", f.start_time, f.end_time,
                              urls[0].url if urls else None))
    return out


def comment_for(articles) -> str:
    """The COMM text: the episode's articles with bylines and links, one per line."""
    lines = []
    for a in articles:
        line = one_line(a.title)
        if a.byline:
            line += f" — by {one_line(a.byline)}"
        if safe_url(a.url):
            line += f" ({safe_url(a.url)})"
        lines.append(line)
    return "In this briefing:\n" + "\n".join(lines) if lines else ""
