"""The episode's running order: an intro, each article's segments, an outro, and the pause
before every segment; and the script's JSON and text forms.

In: the articles' Scripts and the show's title, language, narrator and pauses.
Out: `Planned` segments in the order they are heard, with chapter starts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date as Date
from typing import NamedTuple

from briefing.models import Article, Script, Segment
from briefing.state import content_hash

# Up to this many headlines are read as one list ("Today: A; B; and C."); more are read one
# sentence each, as a newsreader reads the headlines: a list of ten is a 50-word sentence that
# no listener follows, and the engine holds a whole sentence's audio in memory at once.
LISTED_HEADLINES = 3


@dataclass(frozen=True)
class Pauses:
    """Silence before a segment, by what it follows (the [audio] pause_*_ms settings)."""

    sentence_ms: int
    speaker_ms: int
    paragraph_ms: int
    article_ms: int


@dataclass(frozen=True)
class Show:
    """What the running order needs of the show."""

    title: str
    language: str
    narrator: str
    pauses: Pauses


class Planned(NamedTuple):
    """One segment of the episode, the pause before it, and the chapter it opens (if any)."""

    segment: Segment
    pause_ms: int
    chapter: str | None = None
    url: str | None = None


def spoken_date(day: Date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _sentence(title: str) -> str:
    return title if title.endswith(("?", "!")) else f"{title}."


def intro_text(show_title: str, day: Date, articles: Sequence[Article]) -> str:
    titles = [a.title.rstrip(" .") for a in articles]
    opening = f"{show_title}, {spoken_date(day)}."
    if len(titles) > LISTED_HEADLINES:
        return " ".join([opening, f"Today, {len(titles)} stories.", *map(_sentence, titles[:-1]),
                         _sentence(f"And finally, {titles[-1]}")])
    if len(titles) > 1:
        headlines = "; ".join(titles[:-1]) + "; and " + titles[-1]
    else:
        headlines = titles[0]
    return f"{opening} Today: {_sentence(headlines)}"


def outro_text(show_title: str, day: Date) -> str:
    return f"That was {show_title} for {spoken_date(day)}. Thank you for listening."


def plan(scripts: Sequence[Script], day: Date, show: Show, spoken: Callable[[str, str], str]) -> list[Planned]:
    """Every segment of the episode in order, with the pause before it and chapter starts.
    `spoken(text, language)` turns the intro's and outro's text into what the engine says."""
    p = show.pauses

    def narration(text: str) -> Segment:
        return Segment("narrator", text, spoken(text, show.language), None, show.narrator, -1)

    out = [Planned(narration(intro_text(show.title, day, [s.article for s in scripts])), 0, "Introduction")]
    for script in scripts:
        prev: Segment | None = None
        for seg in script.segments:
            if prev is None:
                pause, chapter = p.article_ms, script.article.title
            elif seg.block != prev.block:
                pause, chapter = p.paragraph_ms, None
            elif (seg.speaker, seg.voice) != (prev.speaker, prev.voice):
                pause, chapter = p.speaker_ms, None
            else:
                pause, chapter = p.sentence_ms, None
            out.append(Planned(seg, pause, chapter, script.article.url if chapter else None))
            prev = seg
    out.append(Planned(narration(outro_text(show.title, day)), p.article_ms, "Outro"))
    return out


def chapter_progress(planned: Sequence[Planned], progress: Callable[[int, int], None] | None,
                     log: logging.Logger) -> Callable[[int, int], None]:
    """`progress`, plus a log line as each chapter (intro, article, outro) is spoken.

    A run of many articles otherwise shows one bar for minutes. Clips finish roughly in
    order, so a chapter counts as spoken when that many clips are done."""
    starts = [(i, p.chapter) for i, p in enumerate(planned) if p.chapter]
    ends = [(starts[k + 1][0] if k + 1 < len(starts) else len(planned), chapter)
            for k, (_, chapter) in enumerate(starts)]
    spoken = 0

    def report(done: int, total: int) -> None:
        nonlocal spoken
        while spoken < len(ends) and done >= ends[spoken][0]:
            spoken += 1
            log.info("spoken %d/%d: %s", spoken, len(ends), ends[spoken - 1][1])
        if progress:
            progress(done, total)

    return report


def cap_words(article: Article, max_words: int) -> tuple[Article, str | None]:
    """The article cut after the paragraph that reaches `max_words`, and a note saying so."""
    total = article.words
    if total <= max_words:
        return article, None
    kept, count = [], 0
    for block in article.body:
        n = len(block.text.split())
        if count + n > max_words:
            if not kept:  # one giant paragraph: cut it at the word, not to nothing
                kept.append(replace(block, text=" ".join(block.text.split()[:max_words])))
                count = max_words
            break
        kept.append(block)
        count += n
    return (
        replace(article, body=tuple(kept)),
        f"cut at {count} of {total} words ([sources].max_words = {max_words})",
    )


def script_json(scripts: Sequence[Script], planned: Sequence[Planned] | None = None) -> dict:
    """The `briefing script --format json` document (with `planned`: the episode's, as made)."""

    def seg_dict(s: Segment) -> dict:
        return {"role": s.role, "speaker": s.speaker, "voice": s.voice, "text": s.text, "spoken": s.spoken}

    if planned is None:
        return {"segments": [seg_dict(s) for sc in scripts for s in sc.segments]}
    return {
        "segments": [seg_dict(p.segment) for p in planned],
        "articles": [
            {"title": sc.article.title, "byline": sc.article.byline, "url": sc.article.url,
             "source": sc.article.source, "words": sc.article.words, "quotes": sc.quotes,
             "hash": content_hash(sc.article)}  # lets `briefing state rebuild` restore the record
            for sc in scripts
        ],
    }


def script_text(segments: Sequence[Segment], *, with_voices: bool) -> str:
    if with_voices:
        return "".join(f"{s.voice}: {s.text}\n" for s in segments)
    # The written transcript keeps the quotation marks, so a reader sees who is quoted.
    return "".join(f"{quoted(s.text) if s.role == 'quote' else s.text}\n" for s in segments)


def quoted(text: str) -> str:
    """A quotation as the written transcript shows it: inside quotation marks."""
    return text if text[:1] in "“\"‘'" else f"“{text}”"
