"""The briefing pipeline, importable; `cli.py` is a thin layer over it.

`make` runs the README's five steps, each in its own stage package, and nothing else happens
here: this module hands each stage its slice of the settings and the previous stage's data.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date as Date
from pathlib import Path

from briefing import atomic, config, speedups, state
from briefing.audio.assemble import Piece, Track, assemble
from briefing.audio.episode import Mp3Settings, Tags, finishing_key, write_mp3
from briefing.audio.loudness import normalize as normalize_loudness
from briefing.audio.tags import comment_for
from briefing.clean import clean
from briefing.config import Settings, check_output
from briefing.errors import BriefingError, ConfigError, EngineError, SourceError
from briefing.lock import run_lock
from briefing.logs import timed
from briefing.models import Article, Audio, Episode, Script, Segment, SourceSpec
from briefing.publish import artwork, episode as published, feed
from briefing.safe_text import safe_url
from briefing.script import episode as running_order
from briefing.script import lexicon
from briefing.script.cast import assign_voices
from briefing.script.episode import Planned, cap_words, chapter_progress, script_json, script_text, spoken_date
from briefing.script.normalize import spoken
from briefing.script.segment import segment
from briefing.sources.fetch import Fetcher, FetchOptions
from briefing.sources.gather import expand, gather, read
from briefing.speech import engines
from briefing.speech.cache import track_key
from briefing.speech.synth import Job, Progress, SpeechOptions, open_cache, synthesize_for, voice_for

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


# ---- each stage's slice of the settings

def fetch_options(settings: Settings) -> FetchOptions:
    f = settings.fetch
    return FetchOptions(
        connect_timeout=f.connect_timeout, read_timeout=f.read_timeout, max_bytes=int(f.max_mb * 2**20),
        max_redirects=f.max_redirects, retries=f.retries, backoff=f.backoff, max_retry_wait=f.max_retry_wait,
        deadline=f.deadline, parallel=f.parallel, per_host=f.per_host, cache_dir=settings.cache_dir / "http",
    )


def speech_options(settings: Settings) -> SpeechOptions:
    c = settings.cache
    return SpeechOptions(
        voices=settings.voices, cast=settings.cast,
        cache_dir=settings.cache_dir if c.enabled else None, cache_max_bytes=int(c.max_mb * 1024 * 1024),
        workers=settings.synthesis.workers, scheduler=settings.synthesis.scheduler,
    )


def mp3_settings(settings: Settings) -> Mp3Settings:
    a = settings.audio
    return Mp3Settings(a.loudness_lufs, a.peak_dbfs, a.bitrate)


def order_show(settings: Settings) -> running_order.Show:
    a = settings.audio
    pauses = running_order.Pauses(a.pause_sentence_ms, a.pause_speaker_ms, a.pause_paragraph_ms, a.pause_article_ms)
    return running_order.Show(settings.show.title, settings.show.language, settings.narrator, pauses)


# ---- the steps

def load_settings(config_file: Path | None = None, *, required: bool = False) -> Settings:
    """briefing.toml loaded, with every voice's engine known to the registry (a built-in or a
    plugin) and its [pronounce] lexicon read, so a typo, a missing plugin or a bad entry stops the
    run before anything is fetched."""
    settings = config.load(config_file, required=required)
    where = settings.config_file or "configuration"
    settings = replace(settings, lexicon=lexicon.load(settings.raw, settings.root, str(where)))
    for voice in settings.cast:
        if not engines.known(voice.engine):
            raise ConfigError(
                f"{where}: [voices.{voice.name}] engine {voice.engine!r} is not installed; installed engines: "
                f"{', '.join(engines.available())}. Fix the name or install the package that provides it"
            )
    return settings


def load_article(source: str | SourceSpec) -> Article:
    """Read and clean one source (steps 1 and 2, for `briefing clean` and `briefing script`)."""
    doc = read(source)
    article = clean(doc)
    return replace(article, source=doc.source, url=safe_url(article.url or doc.url))


def read_articles(settings: Settings, specs: Sequence[SourceSpec], day: Date, *, repeats: bool = True,
                  dry: bool = False) -> tuple[list[Article], list[ArticleReport]]:
    """Step 1, clean: read, clean and de-duplicate every source; one report each.
    `repeats=False` keeps articles already briefed (a preview of sources, not an episode);
    `dry` writes nothing (no HTTP cache, the state read only)."""
    reports: list[ArticleReport] = []
    articles: list[Article] = []
    hashes: dict[str, str] = {}
    over_cap = 0
    options = replace(fetch_options(settings), cache_dir=None) if dry else fetch_options(settings)
    with Fetcher(options) as fetcher, (state.reading if dry else state.connect)(settings.state_db) as conn:
        for item in gather(specs, fetcher, feed_limit=settings.feed_limit):
            if len(articles) >= settings.max_articles:
                over_cap += 1
                reports.append(ArticleReport(item.label, omitted=f"over the cap of {settings.max_articles} "
                                                                 "articles a run ([sources].max_articles)"))
                continue
            if item.duplicate_of:
                reports.append(ArticleReport(item.label, omitted=f"listed twice (same link as {item.duplicate_of})"))
                continue
            try:
                if item.error:
                    raise item.error
                doc = item.document
                article = clean(doc)
                article = replace(article, source=doc.source, url=safe_url(article.url or doc.url))
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
            before = repeats and state.briefed_on(conn, article, before=day.isoformat())
            if before:
                log.info("already briefed on %s: %s", before, article.title)
                reports.append(ArticleReport(item.label, article.title, omitted=f"already briefed on {before}"))
                continue
            article, note = cap_words(article, settings.max_words)
            if note:
                log.warning("%s: %s", item.label, note)
            articles.append(article)
            reports.append(ArticleReport(article.source, article.title, article.words, note=note))
    if over_cap:
        log.warning("%d more article%s left out: over [sources].max_articles = %d", over_cap,
                    "s" if over_cap > 1 else "", settings.max_articles)
    return articles, reports


def script_articles(settings: Settings, articles: Sequence[Article]) -> list[Script]:
    """Step 2, segment: narrator and quote segments, one voice per speaker across the episode,
    each said with the show's lexicon."""
    segmented = [segment(a) for a in articles]
    cast = assign_voices(segmented, settings.narrator, settings.quote_voices)
    return [Script(a, tuple(pronounced(settings, seg) for seg in s)) for a, s in zip(articles, cast)]


def pronounced(settings: Settings, seg: Segment) -> Segment:
    """`seg` as its voice's engine should say it: the [pronounce] lexicon, IPA as the engine's
    phonemes where it takes them. Applied once the voice, and so the engine, is known."""
    voice = settings.voices.get(seg.voice)
    if voice is None or not settings.lexicon:
        return seg
    return lexicon.respoken(settings.lexicon, seg, voice.engine, settings.show.language, engines.phonemes_of(voice.engine))


def plan(settings: Settings, scripts: Sequence[Script], day: Date) -> list[Planned]:
    """The episode's running order: intro, every segment with the pause before it, outro."""
    planned = running_order.plan(scripts, day, order_show(settings), spoken)
    # The intro reads the headlines: names in them are said as the lexicon says them too.
    return [p if p.chapter not in ("Introduction", "Outro") else p._replace(segment=pronounced(settings, p.segment))
            for p in planned]


def render(settings: Settings, planned: Sequence[Planned], *, progress: Progress | None = None) -> Track:
    """Steps 3 and 4, speak and stitch: every segment synthesized, laid on one track, levelled."""
    options = speech_options(settings)
    jobs = [Job(p.segment.spoken, voice_for(options, p.segment.voice)) for p in planned]
    with timed("speak"):
        clips = synthesize_for(options, jobs, progress=chapter_progress(planned, progress, log),
                               meanwhile=speedups.finishing_imports)
    # Clips stay 16-bit until assembly writes them into the one float32 track.
    pieces = [
        Piece(Audio(clip.pcm, clip.sample_rate), p.pause_ms, p.segment.text, p.segment.speaker, p.chapter, p.url)
        for p, clip in zip(planned, clips)
    ]
    rate = max(c.sample_rate for c in clips)
    del clips
    with timed("stitch"):
        track = assemble(pieces, rate)
    del pieces
    cache = open_cache(options)
    if cache is not None:
        key = track_key(track.audio.samples, rate, finishing_key(mp3_settings(settings)))
        track = replace(track, key=key, encoded=cache.get_encoded(key))
        if track.encoded is not None:
            return track  # an unchanged briefing: its loudness and MP3 are done already
    # Levelled in place (the track is assemble's own buffer): no second hour-long array. The
    # codec check runs on the MP3 that is published, so the episode is encoded once.
    a = settings.audio
    with timed("loudness"):
        normalize_loudness(track.audio.samples, rate, a.loudness_lufs, a.peak_dbfs, check_codec=False, in_place=True)
    return track


def make(
    settings: Settings,
    sources: Sequence[str] | None = None,
    *,
    day: Date | None = None,
    progress: Progress | None = None,
    wait: float = 0,
    draft: Path | None = None,
) -> MakeResult:
    """Make today's briefing from `sources` (default: those in briefing.toml).

    Steps, in order, each a stage package:
      1. clean    (sources/, clean/)  files, URLs and feeds read and cleaned into Articles
      2. segment  (script/)           narrator and quote Segments, one voice per speaker
      3. speak    (speech/)           every Segment through its voice's engine into a clip
      4. stitch   (audio/)            clips into one MP3 with pauses, loudness, tags, chapters
      5. publish  (publish/)          transcript, chapters, cover, state and feed.xml
    A source that fails is skipped with its reason; the rest still make the briefing.
    Articles already briefed on an earlier date are left out unless their text changed.
    One run at a time per show: a second waits up to `wait` seconds, then raises RunLocked.
    With `draft` (a folder), the episode is made there and nothing is published: the feed,
    state, cover and published episodes are left exactly as they were.
    """
    day = day or Date.today()
    # Checked before anything is synthesized, so a wrong cover fails fast.
    if settings.show.image:
        artwork.check_image(settings.show.image)
    check_output(settings)
    specs = _specs(settings, sources)
    with run_lock(settings.home, settings.output, wait=wait):
        # The state is the published record: never brief on one that lost the feed's episodes.
        state.check_record(settings.state_db, settings.output / feed.FEED_NAME)
        # A re-run of a day mostly finds its clips cached: it would only wait for a model it does not use.
        first_run = not state.has_episode(settings.state_db, day.isoformat())
        preloading = speedups.start_engine_preload(speech_options(settings)) if first_run else None
        try:
            return _make(settings, specs, day, progress, preloading, draft)
        finally:
            if preloading is not None:
                preloading.join()


@dataclass(frozen=True)
class Preview:
    """What `make --dry-run` found: each source's fate; the episodes the feed would keep and drop."""

    reports: tuple[ArticleReport, ...]
    keep: tuple[state.EpisodeRow, ...] = ()
    delete: tuple[state.EpisodeRow, ...] = ()


def preview(settings: Settings, sources: Sequence[str] | None = None, *, day: Date | None = None) -> Preview:
    """What `make` would fetch, skip, keep and delete, writing nothing (no state, cache or output)."""
    day = day or Date.today()
    articles, reports = read_articles(settings, _specs(settings, sources), day, dry=True)
    if not articles:
        return Preview(tuple(reports))  # nothing would be made: nothing kept anew, nothing deleted
    keep, delete = published.retention_preview(settings.state_db, settings.feed, day.isoformat(),
                                               title=f"{settings.show.title}, {spoken_date(day)}")
    return Preview(tuple(reports), tuple(keep), tuple(delete))


def _specs(settings: Settings, sources: Sequence[str] | None) -> list[SourceSpec]:
    specs = expand(list(sources) if sources else list(settings.source_specs or settings.sources), settings.root)
    if not specs:
        named = list(sources) if sources else [s.location for s in settings.source_specs] or list(settings.sources)
        empty = [p for p in (settings.root / Path(n).expanduser() for n in named if "://" not in n) if p.is_dir()]
        if empty:
            raise BriefingError(f"the sources folder {empty[0]} has no articles (.html, .htm or .txt) or feeds. "
                                f"Put an article there, or name one: briefing make FILE")
        raise BriefingError("no sources to read. Name files or URLs, or list them in [sources].paths of briefing.toml")
    return specs


def _make(settings: Settings, specs: list[SourceSpec], day: Date, progress: Progress | None, preloading,
          draft: Path | None) -> MakeResult:
    with timed("read and clean"):
        articles, reports = read_articles(settings, specs, day)
    if not articles:
        return MakeResult(None, tuple(reports), None)
    with timed("segment and cast"):
        scripts = script_articles(settings, articles)
    reports = _with_voices(scripts, reports)
    planned = plan(settings, scripts, day)
    if preloading is not None:
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
    return _publish(settings, day, scripts, planned, track, reports, draft)


def _publish(settings: Settings, day: Date, scripts: list[Script], planned: list[Planned], track: Track,
             reports: list[ArticleReport], draft: Path | None) -> MakeResult:
    """Steps 4 and 5 on disk: the script files, the tagged MP3, then the feed (a draft: only
    the episode's own files, in its folder). A failed write takes this run's new files with it,
    unless the episode was committed to state first (the next run rebuilds the feed from it)."""
    recorded = state.has_episode(settings.state_db, day.isoformat())
    committed = lambda: draft is None and not recorded and state.has_episode(settings.state_db, day.isoformat())  # noqa: E731
    with atomic.removing_new_files(draft or settings.output / day.isoformat(), unless=committed):
        return _write_episode(settings, day, scripts, planned, track, reports, draft)


def _write_episode(settings: Settings, day: Date, scripts: list[Script], planned: list[Planned], track: Track,
                   reports: list[ArticleReport], draft: Path | None) -> MakeResult:
    show = settings.show
    articles = [sc.article for sc in scripts]
    folder = draft or settings.output / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"briefing-{day.isoformat()}"
    json_path, text_path = folder / f"{stem}.json", folder / f"{stem}.txt"
    atomic.write_text(json_path, json.dumps(script_json(scripts, planned), ensure_ascii=False, indent=2) + "\n")
    atomic.write_text(text_path, script_text([p.segment for p in planned], with_voices=False))
    # Drawn only: output/cover.* is written with the feed, so a run that fails leaves the
    # published artwork as the feed knows it.
    art = artwork.cover(show.image, show.title, show.author, cache=settings.cache_dir if settings.cache.enabled else None)
    title = f"{show.title}, {spoken_date(day)}"
    cache = open_cache(speech_options(settings)) if track.key and track.encoded is None else None
    with timed("encode"):
        mp3 = write_mp3(
            track.audio.samples, track.audio.sample_rate, folder / f"{stem}.mp3", mp3_settings(settings),
            Tags(title=title, artist=show.author, album=show.title, date=day.isoformat(), chapters=track.chapters,
                 comment=comment_for(articles), cover=art.embedded),
            encoded=track.encoded, keep_encoded=(lambda p: cache.put_encoded(track.key, p)) if cache else None,
        )
    episode = Episode(
        date=day.isoformat(), title=title, mp3=str(mp3), duration=track.audio.seconds,
        size=mp3.stat().st_size, chapters=track.chapters, cues=track.cues, articles=tuple(articles),
    )
    if draft is not None:
        published.write_side_files(show, episode)
        return MakeResult(episode, tuple(reports), None, json_path, text_path)
    with timed("publish"):
        artwork.write_cover(settings.output, art)
        feed_path = published.publish(show, settings.output, settings.state_db, settings.feed, episode,
                                      extra_files={"script": json_path, "text": text_path})
    return MakeResult(episode, tuple(reports), feed_path, json_path, text_path)


def _speakable(settings: Settings, scripts: list[Script], reports: list[ArticleReport]) -> tuple[list[Script], list[ArticleReport]]:
    """Drop the articles whose own segments a speech engine cannot say, with a skip line each.

    Called only after the whole episode failed to render, so a good run synthesizes once.
    One failing segment costs its article, not the briefing; if the narrator cannot speak at
    all, every article fails here and nothing is made.
    """
    options = speech_options(settings)
    ok: list[Script] = []
    failed: dict[str, str] = {}
    for sc in scripts:
        try:
            # Through the clip cache: the good articles' clips are reused by the second render.
            synthesize_for(options, [Job(seg.spoken, voice_for(options, seg.voice)) for seg in sc.segments])
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
