"""The briefing pipeline, importable; `cli.py` is a thin layer over it."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date as Date, datetime, timezone
from pathlib import Path

from briefing import artwork, atomic, feed, pages, state, tags, transcript
from briefing.assemble import Piece, Track, assemble
from briefing.config import Settings
from briefing.encode import encode_mp3
from briefing.executors import cores
from briefing.ffmpeg import configure_pydub
from briefing.errors import BriefingError, EngineError, SourceError
from briefing.logs import timed
from briefing.loudness import encode_levelled, normalize as normalize_loudness, preload as loudness_preload
from briefing.models import Article, Audio, Episode, Script, Segment
from briefing.sources import SourceSpec, expand, read
from briefing.cache import track_key
from briefing.synth import Job, Progress, open_cache, preload as preload_engines, synthesize_for, voice_for

log = logging.getLogger("briefing")


@dataclass(frozen=True)
class ArticleReport:
    """One line of the run's summary: what became of a source."""

    source: str
    title: str | None = None
    words: int = 0
    quotes: int = 0
    voices: tuple[str, ...] = ()
    skipped: str | None = None  # a failure: the source could not be briefed (exit code 3)
    omitted: str | None = None  # not a failure: already briefed, or listed twice
    note: str | None = None  # briefed, with a remark (e.g. cut at [sources].max_words)


@dataclass(frozen=True)
class MakeResult:
    episode: Episode | None
    reports: tuple[ArticleReport, ...]
    feed: Path | None
    script_json: Path | None = None
    script_text: Path | None = None

    @property
    def skipped(self) -> int:
        return sum(1 for r in self.reports if r.skipped)


def load_article(source: str | SourceSpec) -> Article:
    """Read and clean one source (stages: read, clean)."""
    from briefing.clean import clean

    doc = read(source)
    article = clean(doc)
    return replace(article, source=doc.source, url=article.url or doc.url)


def script_articles(settings: Settings, articles: Sequence[Article]) -> list[Script]:
    """Segment each article and cast voices across all of them (stages: segment, cast)."""
    from briefing.cast import assign_voices
    from briefing.segment import segment

    segmented = [segment(a) for a in articles]
    cast = assign_voices(segmented, settings.narrator, settings.quote_voices)
    return [Script(a, tuple(s)) for a, s in zip(articles, cast)]


def _spoken(text: str, language: str) -> str:
    from briefing.normalize import spoken

    return spoken(text, language)


def spoken_date(day: Date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


# Up to this many headlines are read as one list ("Today: A; B; and C."); more are read one
# sentence each, as a newsreader reads the headlines: a list of ten is a 50-word sentence that
# no listener follows, and the engine holds a whole sentence's audio in memory at once.
LISTED_HEADLINES = 3


def _sentence(title: str) -> str:
    return title if title.endswith(("?", "!")) else f"{title}."


def intro_text(settings: Settings, day: Date, articles: Sequence[Article]) -> str:
    titles = [a.title.rstrip(" .") for a in articles]
    opening = f"{settings.show.title}, {spoken_date(day)}."
    if len(titles) > LISTED_HEADLINES:
        return " ".join([opening, f"Today, {len(titles)} stories.", *map(_sentence, titles[:-1]),
                         _sentence(f"And finally, {titles[-1]}")])
    if len(titles) > 1:
        headlines = "; ".join(titles[:-1]) + "; and " + titles[-1]
    else:
        headlines = titles[0]
    return f"{opening} Today: {_sentence(headlines)}"


def outro_text(settings: Settings, day: Date) -> str:
    return f"That was {settings.show.title} for {spoken_date(day)}. Thank you for listening."


def _narration(settings: Settings, text: str) -> Segment:
    return Segment("narrator", text, _spoken(text, settings.show.language), None, settings.narrator, -1)


def plan(settings: Settings, scripts: Sequence[Script], day: Date) -> list[tuple[Segment, int, str | None, str | None]]:
    """Every segment of the episode in order, with the pause before it and chapter starts."""
    a = settings.audio
    out: list[tuple[Segment, int, str | None, str | None]] = [
        (_narration(settings, intro_text(settings, day, [s.article for s in scripts])), 0, "Introduction", None)
    ]
    for script in scripts:
        prev: Segment | None = None
        for seg in script.segments:
            if prev is None:
                pause, chapter = a.pause_article_ms, script.article.title
            elif seg.block != prev.block:
                pause, chapter = a.pause_paragraph_ms, None
            elif (seg.speaker, seg.voice) != (prev.speaker, prev.voice):
                pause, chapter = a.pause_speaker_ms, None
            else:
                pause, chapter = a.pause_sentence_ms, None
            out.append((seg, pause, chapter, script.article.url if chapter else None))
            prev = seg
    out.append((_narration(settings, outro_text(settings, day)), a.pause_article_ms, "Outro", None))
    return out


def script_json(scripts: Sequence[Script], planned: Sequence[tuple[Segment, int, str | None, str | None]] | None = None) -> dict:
    """The `briefing script --format json` document."""

    def seg_dict(s: Segment) -> dict:
        return {"role": s.role, "speaker": s.speaker, "voice": s.voice, "text": s.text, "spoken": s.spoken}

    if planned is None:
        return {"segments": [seg_dict(s) for sc in scripts for s in sc.segments]}
    return {
        "segments": [seg_dict(s) for s, *_ in planned],
        "articles": [
            {"title": sc.article.title, "byline": sc.article.byline, "url": sc.article.url,
             "source": sc.article.source, "words": sc.article.words, "quotes": sc.quotes}
            for sc in scripts
        ],
    }


def script_text(segments: Sequence[Segment], *, with_voices: bool) -> str:
    if with_voices:
        return "".join(f"{s.voice}: {s.text}\n" for s in segments)
    return "".join(f"{s.text}\n" for s in segments)


def _finishing_imports() -> None:
    loudness_preload()
    configure_pydub()
    tags.preload()
    feed.preload()


def render(settings: Settings, planned, *, progress: Progress | None = None) -> Track:
    """Synthesize and assemble (stages: speak, stitch, loudness)."""
    jobs = [Job(seg.spoken, voice_for(settings, seg.voice)) for seg, *_ in planned]
    # The parent only waits while the pool synthesizes: it imports the libraries of the stages
    # after the last clip then (loudness, pydub, tags, feed: ~0.13 s), rather than on the way to
    # the episode, where the other core would idle while it did.
    with timed("speak"):
        clips = synthesize_for(settings, jobs, progress=progress, meanwhile=_finishing_imports)
    # Clips stay 16-bit until assembly writes them into the one float32 track.
    pieces = [
        Piece(Audio(clip.pcm, clip.sample_rate), pause, seg.text, seg.speaker, chapter, url)
        for (seg, pause, chapter, url), clip in zip(planned, clips)
    ]
    rate = max(c.sample_rate for c in clips)
    del clips
    with timed("stitch"):
        track = assemble(pieces, rate)
    del pieces
    a = settings.audio
    cache = open_cache(settings)
    if cache is not None:
        key = track_key(track.audio.samples, rate, finishing(settings))
        track = replace(track, key=key, encoded=cache.get_encoded(key))
        if track.encoded is not None:
            return track  # an unchanged briefing: its loudness and MP3 are done already
    # Levelled in place (the track is assemble's own buffer): no second hour-long array. The
    # codec check runs on the MP3 that is published (_make), so the episode is encoded once.
    with timed("loudness"):
        normalize_loudness(track.audio.samples, rate, a.loudness_lufs, a.peak_dbfs, check_codec=False, in_place=True)
    return track


def finishing(settings: Settings) -> dict:
    """What turns an assembled track into the MP3: part of its key in the clip cache."""
    from importlib.resources import files

    code = hashlib.sha256()
    for module in ("loudness.py", "encode.py"):
        code.update(files("briefing").joinpath(module).read_bytes())
    a = settings.audio
    return {"lufs": a.loudness_lufs, "peak": a.peak_dbfs, "bitrate": a.bitrate, "code": code.hexdigest()}


def make(
    settings: Settings,
    sources: Sequence[str] | None = None,
    *,
    day: Date | None = None,
    progress: Progress | None = None,
    wait: float = 0,
) -> MakeResult:
    """Make today's briefing from `sources` (default: those in briefing.toml).

    Stages, in order:
      1. read    (sources.py, fetch.py)    files and URLs into Documents
      2. clean   (clean.py)                Documents into Articles: headline, byline, body
      3. segment (segment.py)              Articles into narrator and quote Segments
      4. cast    (cast.py)                 one voice per speaker across the episode
      5. speak   (synth.py, engines/)      Segments into clips
      6. stitch  (assemble.py, loudness.py, encode.py)  clips into one MP3 at podcast loudness
      7. publish (tags.py, feed.py, pages.py, state.py)  tags, episode files and pages, state, feed.xml
    A source that fails is skipped with its reason; the rest still make the briefing.
    Articles already briefed on another date are left out unless their text changed.
    One run at a time per show: a second waits up to `wait` seconds, then raises RunLocked.
    """
    from briefing.lock import run_lock

    day = day or Date.today()
    # Checked before anything is synthesized, so a wrong cover or retention setting fails fast.
    if settings.show.image:
        artwork.check_image(settings.show.image)
    feed.retention(settings)
    specs = expand(list(sources) if sources else list(settings.source_specs or settings.sources), settings.root)
    if not specs:
        raise BriefingError("no sources to read. Name files or URLs, or list them in [sources].paths of briefing.toml")
    with run_lock(settings, wait=wait):
        return _make(settings, specs, day, progress)


def _make(settings: Settings, specs: list[SourceSpec], day: Date, progress: Progress | None) -> MakeResult:
    # The first run of a day speaks new articles: the engines get ready on a second core while
    # the sources are read and segmented. A re-run mostly finds its clips cached, and would
    # only wait at its end for imports and a model it does not use (a 0.35 s re-run).
    preloading = None if state.has_episode(settings.state_db, day.isoformat()) else preload_engines(settings)
    try:
        return _made(settings, specs, day, progress, preloading)
    finally:
        if preloading is not None:
            preloading.join()


def _made(settings: Settings, specs: list[SourceSpec], day: Date, progress: Progress | None,
          preloading: threading.Thread | None) -> MakeResult:
    with timed("read and clean"):
        articles, reports = read_articles(settings, specs, day)
    if not articles:
        return MakeResult(None, tuple(reports), None)

    with timed("segment and cast"):
        scripts = script_articles(settings, articles)
    reports = _with_voices(scripts, reports)
    planned = plan(settings, scripts, day)
    show = settings.show
    art_cache = settings.cache_dir if settings.cache.enabled else None

    def cover_art() -> artwork.Cover:
        # Drawn only: output/cover.* is written with the episode, so a run that fails leaves the
        # published artwork as the feed knows it.
        return artwork.cover(show.image, show.title, show.author, cache=art_cache)

    # Reading the cover's future, or leaving this block, waits for the drawing.
    with ThreadPoolExecutor(1, thread_name_prefix="briefing-cover") as side:
        art: Future[artwork.Cover] | None = None
        if preloading is not None:
            if preloading.is_alive():
                # The voice is still loading, which leaves the GIL and a core idle: the cover is
                # drawn from now on, on the side, and the first clips do not wait for it.
                art = side.submit(cover_art)
            preloading.join()  # before any worker process is started: fork wants one thread
        try:
            track = render(settings, planned, progress=progress)
        except EngineError as e:
            if e.unavailable:
                raise  # the engine itself is down: every article would fail the same way
            # Find the articles the engine cannot say, drop them, and try once more with the rest.
            log.warning("speech failed (%s); trying each article on its own", e)
            scripts, reports = _speakable(settings, scripts, reports)
            if not scripts:
                return MakeResult(None, tuple(reports), None)
            planned = plan(settings, scripts, day)
            track = render(settings, planned, progress=progress)
        articles = [sc.article for sc in scripts]

        folder = settings.output / day.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"briefing-{day.isoformat()}"
        mp3 = folder / f"{stem}.mp3"
        json_path = folder / f"{stem}.json"
        text_path = folder / f"{stem}.txt"
        atomic.write_text(json_path, json.dumps(script_json(scripts, planned), ensure_ascii=False, indent=2) + "\n")
        atomic.write_text(text_path, script_text([s for s, *_ in planned], with_voices=False))
        title = f"{settings.show.title}, {spoken_date(day)}"

        # Encoded and tagged under a hidden name, then renamed: the published MP3 always has its tags.
        untagged = folder / f".{stem}.untagged.mp3"
        # The cover needs no audio: unless it is being drawn already, it is drawn while the encoder runs.
        art = art or side.submit(cover_art)
        try:
            if track.encoded is not None:
                shutil.copyfile(track.encoded, untagged)
            else:
                a = settings.audio
                with timed("encode"):
                    encode_levelled(track.audio.samples, track.audio.sample_rate, untagged, a.loudness_lufs,
                                    a.peak_dbfs, bitrate=a.bitrate, encode=encode_mp3, parts=cores())
                cache = open_cache(settings) if track.key else None
                if cache is not None:
                    cache.put_encoded(track.key, untagged)
            tags.write(untagged, title=title, artist=show.author, album=show.title, date=day.isoformat(),
                       chapters=track.chapters, comment=tags.comment_for(articles), cover=art.result().embedded)
            untagged.chmod(atomic.PUBLIC)  # the encoder made it 0600; web servers must read it
            untagged.replace(mp3)
        finally:
            untagged.unlink(missing_ok=True)
        episode = Episode(
            date=day.isoformat(), title=title, mp3=str(mp3), duration=track.audio.seconds,
            size=mp3.stat().st_size, chapters=track.chapters, cues=track.cues, articles=tuple(articles),
        )
        with timed("publish"):
            artwork.write_cover(settings.output, art.result())
            feed_path = publish(settings, episode, extra_files={"script": json_path, "text": text_path})
        return MakeResult(episode, tuple(reports), feed_path, json_path, text_path)


def read_articles(settings: Settings, specs: Sequence[SourceSpec], day: Date) -> tuple[list[Article], list[ArticleReport]]:
    """Read, clean and de-duplicate every source (stages: read, clean); one report each."""
    from briefing.clean import clean
    from briefing.fetch import Fetcher, FetchOptions
    from briefing.sources import gather

    f = settings.fetch
    options = FetchOptions(
        connect_timeout=f.connect_timeout, read_timeout=f.read_timeout, max_bytes=int(f.max_mb * 2**20),
        max_redirects=f.max_redirects, retries=f.retries, backoff=f.backoff, max_retry_wait=f.max_retry_wait,
        cache_dir=settings.cache_dir / "http",
    )
    reports: list[ArticleReport] = []
    articles: list[Article] = []
    hashes: dict[str, str] = {}
    with Fetcher(options) as fetcher, state.connect(settings.state_db) as conn:
        for item in gather(specs, fetcher, feed_limit=settings.feed_limit):
            if item.duplicate_of:
                reports.append(ArticleReport(item.label, omitted=f"listed twice (same link as {item.duplicate_of})"))
                continue
            try:
                if item.error:
                    raise item.error
                doc = item.document
                article = clean(doc)
                article = replace(article, source=doc.source, url=article.url or doc.url)
            except SourceError as e:
                log.warning("skipped %s: %s", item.label, e.reason)
                reports.append(ArticleReport(item.label, skipped=f"{item.label}: {e.reason}"))
                continue
            digest = state.content_hash(article)
            earlier = hashes.get(digest)
            if earlier:
                reports.append(ArticleReport(item.label, article.title, omitted=f"same text as {earlier}"))
                continue
            hashes[digest] = item.label
            before = state.briefed_on(conn, article, other_than=day.isoformat())
            if before:
                log.info("already briefed on %s: %s", before, article.title)
                reports.append(ArticleReport(item.label, article.title, omitted=f"already briefed on {before}"))
                continue
            article, note = cap_words(article, settings.max_words)
            if note:
                log.warning("%s: %s", item.label, note)
            articles.append(article)
            reports.append(ArticleReport(article.source, article.title, article.words, note=note))
    return articles, reports


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


def _speakable(settings: Settings, scripts: list[Script], reports: list[ArticleReport]) -> tuple[list[Script], list[ArticleReport]]:
    """Drop the articles whose own segments a speech engine cannot say, with a skip line each.

    Called only after the whole episode failed to render, so a good run synthesizes once.
    One failing segment costs its article, not the briefing; if the narrator cannot speak at
    all, every article fails here and nothing is made.
    """
    ok: list[Script] = []
    failed: dict[str, str] = {}
    for sc in scripts:
        try:
            # Through the clip cache: the good articles' clips are reused by the second render.
            synthesize_for(settings, [Job(seg.spoken, voice_for(settings, seg.voice)) for seg in sc.segments])
        except EngineError as e:
            log.warning("skipped %s: %s", sc.article.source, e)
            failed[sc.article.source] = str(e)
            continue
        ok.append(sc)
    out = [
        replace(r, skipped=f"{r.source}: {failed[r.source]}", quotes=0, voices=())
        if r.source in failed and r.skipped is None and r.omitted is None else r
        for r in reports
    ]
    return ok, out


def _with_voices(scripts: Sequence[Script], reports: list[ArticleReport]) -> list[ArticleReport]:
    by_source = {sc.article.source: sc for sc in scripts}
    return [
        replace(r, quotes=by_source[r.source].quotes, voices=by_source[r.source].voices)
        if r.skipped is None and r.omitted is None and r.source in by_source else r
        for r in reports
    ]


def publish(settings: Settings, episode: Episode, *, extra_files: dict[str, Path] | None = None) -> Path:
    """Write the transcript and chapters beside the MP3, record the episode in state, drop
    episodes past retention (feed item first, then files) and rebuild the feed."""
    mp3 = Path(episode.mp3)
    rel = mp3.relative_to(settings.output).as_posix()
    side = {
        "transcript": transcript.write_transcript(mp3.with_suffix(".vtt"), episode.cues),
        "chapters": transcript.write_chapters(mp3.with_name(f"{mp3.stem}.chapters.json"), episode.chapters,
                                              title=episode.title, podcast=settings.show.title),
        **(extra_files or {}),
    }
    # With the side files, before the state commit: pruning removes it with them.
    side["page"] = pages.write_episode(settings.output, settings.show, episode, script=side.get("script"))
    files = {k: Path(p).relative_to(settings.output).as_posix() for k, p in side.items()}
    keep_episodes, keep_days = feed.retention(settings)
    guid_seed = f"{settings.show.title}|{episode.date}"
    guid = "briefing-" + hashlib.sha256(guid_seed.encode()).hexdigest()[:16] + "-" + episode.date
    row = state.EpisodeRow(
        date=episode.date, guid=guid, title=episode.title, mp3=rel, size=episode.size,
        duration=episode.duration, published=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        number=0,
        notes=[{"title": a.title, "byline": a.byline, "url": a.url, "source": a.source} for a in episode.articles],
        files=files,
    )
    with state.connect(settings.state_db) as conn:
        state.record_articles(conn, episode.date, list(episode.articles))  # committed with the episode
        state.upsert_episode(conn, row)
        pruned = state.prune_episodes(conn, keep_episodes=keep_episodes, keep_days=keep_days)
        rows = state.episodes(conn)
    pages.write_show(settings.output, settings.show, rows, feed_url=feed.url_for(settings, feed.FEED_NAME))
    path = feed.write(settings, rows)
    for old in pruned:
        log.info("retention: removed the episode of %s", old.date)
        feed.remove_episode_files(settings.output, old)
    return path
