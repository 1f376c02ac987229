"""The `briefing` command line: parses options, calls the pipeline, reports errors plainly."""

from __future__ import annotations

import json
import logging
import sys

from pathlib import Path

import click

from briefing import __version__
from briefing.errors import BriefingError
from briefing.safe_text import terminal_safe

FORMAT = click.Choice(["text", "json"])


def _settings(ctx: click.Context, *, required: bool = False):
    from briefing.pipeline import load_settings

    path = ctx.obj.get("config") if ctx.obj else None
    return load_settings(Path(path) if path else None, required=required)


def _fail(e: BriefingError) -> click.ClickException:
    return click.ClickException(terminal_safe(e))


def _echo(text: str, **kw) -> None:
    """click.echo of text that may come from a page: terminal escapes removed."""
    click.echo(terminal_safe(text), **kw)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="briefing")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), envvar="BRIEFING_CONFIG",
              help="briefing.toml to use (default: the nearest one from the working directory).")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors on stderr (for cron).")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging on stderr.")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, quiet: bool, verbose: bool) -> None:
    """Turn news articles into a spoken audio briefing and publish it as a podcast."""
    ctx.ensure_object(dict)
    ctx.obj["config"] = config_path
    ctx.obj["quiet"] = quiet
    level = logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO
    from briefing.logs import setup

    setup(level)


@cli.command()
@click.argument("sources", nargs=-1)
@click.option("--date", "day", type=click.DateTime(["%Y-%m-%d"]),
              help="Date of the episode (YYYY-MM-DD), for backfills; default today. "
                   "Running again for a date replaces that date's episode.")
@click.option("--wait", type=click.FloatRange(min=0), default=0, show_default=True, metavar="SECONDS",
              help="If another run holds the lock, wait this long for it before giving up.")
@click.option("--scheduler", metavar="tcp://HOST:8786",
              help="Synthesize on this Dask scheduler's workers instead of this machine's cores "
                   "(overrides [synthesis].scheduler).")
@click.option("--no-publish", "no_publish", is_flag=True,
              help="Make the episode as a draft to listen to, publishing nothing: the feed, state "
                   "and published episodes stay as they are.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the --no-publish draft (default: output/drafts/<date>/).")
@click.option("--dry-run", is_flag=True,
              help="Fetch and clean the sources and show what a run would brief, skip, keep in the feed "
                   "and delete; write nothing.")
@click.pass_context
def make(ctx: click.Context, sources: tuple[str, ...], day, wait: float, scheduler: str | None,
         no_publish: bool, out: Path | None, dry_run: bool) -> None:
    """Make a briefing from SOURCES (default: the sources in briefing.toml).

    SOURCES are files, folders, article URLs and RSS/Atom feeds. Writes output/<date>/
    with the episode MP3 and its script as JSON and text, and updates output/feed.xml.
    Articles briefed on an earlier date are left out unless their text changed.

    \b
    Exit status:
      0  the episode was made from every source
      3  the episode was made, but some sources were skipped (listed on stderr)
      1  nothing was made (every source failed, nothing new, or an error);
         the feed and earlier episodes are untouched
    """
    from briefing import pipeline

    quiet = ctx.obj.get("quiet", False)
    if dry_run:
        return _dry_run(ctx, sources, day)
    try:
        settings = _settings(ctx, required=True)
        if not settings.show.email:
            logging.getLogger("briefing").warning(
                "[show] email is not set in %s: podcast directories e-mail it to verify the show; "
                "set it before submitting the feed", settings.config_file)
        if scheduler is not None:
            from dataclasses import replace

            settings = replace(settings, synthesis=replace(settings.synthesis, scheduler=scheduler.strip()))
        bar = None

        def progress(done: int, total: int) -> None:
            nonlocal bar
            if quiet:
                return
            if bar is None:
                bar = click.progressbar(length=total, label="Synthesizing", file=sys.stderr,
                                        show_pos=True, show_eta=True)
                bar.__enter__()
            bar.update(done - bar.pos)
            if done == total:
                bar.__exit__(None, None, None)

        if out is not None and not no_publish:
            raise click.UsageError("--out is for drafts: add --no-publish, or leave --out out")
        episode_day = day.date() if day else None
        draft = None
        if no_publish:
            from datetime import date as Date

            draft = (out or settings.output / "drafts" / (episode_day or Date.today()).isoformat()).resolve()
        result = pipeline.make(settings, list(sources) or None, day=episode_day,
                               progress=progress, wait=wait, draft=draft)
    except BriefingError as e:
        raise _fail(e) from None
    except OSError as e:
        # A state folder that is a file, an output folder the run may not write, a full disk:
        # the run stops before publishing, and every published file is replaced whole or not at all.
        where = f" {e.filename}" if e.filename else ""
        raise click.ClickException(terminal_safe(
            f"cannot write{where}: {e.strerror or e}. Check that the output folder and BRIEFING_HOME "
            "(default .briefing beside briefing.toml) are writable folders on a disk with free space; "
            "the feed and earlier episodes are untouched"
        )) from None

    # The summary goes to stdout; skipped sources also to stderr (logged by the pipeline), so
    # `--quiet` under cron mails only what needs attention.
    for r in result.reports:
        if quiet:
            continue
        if r.skipped:
            _echo(f"  skipped  {r.skipped}")
        elif r.omitted:
            _echo(f"  left out  {r.source}: {r.omitted}")
        else:
            voices = ", ".join(r.voices) or "-"
            extra = f" ({r.note})" if r.note else ""
            quotes = "1 quote" if r.quotes == 1 else f"{r.quotes} quotes"
            _echo(f"  {r.title} — {r.words} words, {quotes}, voices: {voices}{extra}")
    if result.episode is None:
        if result.skipped:
            raise click.ClickException("nothing to brief: every source was skipped; the feed is unchanged")
        raise click.ClickException(
            "nothing new to brief: every article was already briefed; the feed is unchanged"
        )
    ep = result.episode
    minutes, seconds = divmod(int(round(ep.duration)), 60)
    if not quiet:
        _echo(f"{ep.mp3} ({minutes}:{seconds:02d})")
        if result.feed is None:
            _echo(f"draft in {Path(ep.mp3).parent}: nothing was published (feed, state and episodes unchanged)")
        else:
            _echo(f"feed: {result.feed}")
    if result.skipped:
        ctx.exit(3)


@cli.command()
@click.argument("folder", default=".", type=click.Path(file_okay=False, path_type=Path))
def init(folder: Path) -> None:
    """Start a show in FOLDER (default: here): a commented briefing.toml and sources/ with one example."""
    from briefing import starter

    try:
        written = starter.create(folder)
    except BriefingError as e:
        raise _fail(e) from None
    for path in written:
        click.echo(f"wrote {path}")
    where = "" if folder.resolve() == Path.cwd().resolve() else f"cd {folder} && "
    click.echo(f"Next: {where}briefing make --no-publish   (a draft from sources/, nothing published)")


def _dry_run(ctx: click.Context, sources: tuple[str, ...], day) -> None:
    """`make --dry-run`: each source's fate, then retention; nothing written."""
    from briefing import pipeline

    try:
        settings = _settings(ctx, required=True)
        found = pipeline.preview(settings, list(sources) or None, day=day.date() if day else None)
    except BriefingError as e:
        raise _fail(e) from None
    click.echo("dry run: nothing fetched is kept and nothing is written")
    for r in found.reports:
        if r.skipped:
            click.echo(f"  would skip  {r.skipped}")
        elif r.omitted:
            click.echo(f"  would leave out  {r.source}: {r.omitted}")
        else:
            note = f" ({r.note})" if r.note else ""
            click.echo(f"  would brief  {r.title} — {r.words} words, from {r.source}{note}")
    if not found.keep:
        click.echo("nothing would be made: the feed and every episode would stay as they are")
        return
    click.echo(f"the feed would keep {len(found.keep)} episode(s): {', '.join(r.date for r in found.keep)}")
    for r in found.delete:
        files = ", ".join([r.mp3, *r.files.values()])
        click.echo(f"  would delete  the episode of {r.date} ({files})")
    if not found.delete:
        click.echo("  would delete  nothing ([feed] keep_episodes and keep_days)")


def _load(source: str):
    from briefing.pipeline import load_article

    return load_article(source)


@cli.command()
@click.argument("source")
@click.option("--format", "fmt", type=FORMAT, default="text", show_default=True, help="Output format.")
def clean(source: str, fmt: str) -> None:
    """Print the cleaned article of SOURCE (a file or URL)."""
    try:
        article = _load(source)
    except BriefingError as e:
        raise _fail(e) from None
    if fmt == "json":
        from briefing.clean import article_to_dict

        _echo(json.dumps(article_to_dict(article), ensure_ascii=False, indent=2))
        return
    head = [article.title]
    if article.standfirst:
        head.append(article.standfirst)
    if article.byline:
        head.append(f"By {article.byline}")
    _echo("\n\n".join(head + [b.text for b in article.body]))


@cli.command()
@click.argument("sources", nargs=-1)
@click.option("--format", "fmt", type=FORMAT, default="text", show_default=True, help="Output format.")
@click.pass_context
def script(ctx: click.Context, sources: tuple[str, ...], fmt: str) -> None:
    """Print the narration script of SOURCES (default: those in briefing.toml) without synthesizing it.

    The sources are read and cast as `briefing make` reads and casts them, so each speaker
    has the voice the episode gives them.
    """
    from datetime import date as Date

    from briefing import pipeline
    from briefing.sources.gather import expand

    try:
        settings = _settings(ctx)
        specs = expand(list(sources) or list(settings.source_specs or settings.sources), settings.root)
        with _no_logs():
            articles, reports = pipeline.read_articles(settings, specs, Date.today(), repeats=False)
        if not articles:
            reason = next((r.skipped for r in reports if r.skipped), None)
            raise BriefingError(reason or "no sources to read. Name files or URLs, or list them in [sources].paths")
        scripts = pipeline.script_articles(settings, articles)
    except BriefingError as e:
        raise _fail(e) from None
    for r in reports:
        if r.skipped:
            click.echo(f"skipped {r.skipped}", err=True)
    if fmt == "json":
        _echo(json.dumps(pipeline.script_json(scripts), ensure_ascii=False, indent=2))
    else:
        _echo("".join(pipeline.script_text(sc.segments, with_voices=True) for sc in scripts), nl=False)


def _no_logs():
    """The skip warnings of a preview are printed once, by the command, not logged too."""
    import contextlib

    @contextlib.contextmanager
    def quiet():
        logger = logging.getLogger("briefing")
        old = logger.level
        logger.setLevel(logging.ERROR)
        try:
            yield
        finally:
            logger.setLevel(old)

    return quiet()


@cli.command()
@click.option("--demo", "demo_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write one WAV per cast voice speaking the same passage into this folder.")
@click.pass_context
def voices(ctx: click.Context, demo_dir: Path | None) -> None:
    """Show the cast (narrator and quote voices), the engine behind each and whether it is
    ready (model present, server reachable, key set), then every installed engine."""
    from briefing.speech import engines
    from briefing.speech import voices as cast_voices

    try:
        settings = _settings(ctx)
        for role, voice in cast_voices.describe(settings.cast):
            opts = ", ".join(f"{k}={v}" for k, v in voice.options.items())
            ready, note = engines.readiness(voice)
            state = "ready" if ready else "NOT READY"
            click.echo(f"{role:<10} {voice.name:<8} {voice.engine:<8} {state}: {note}"
                       + (f"  ({opts})" if opts else ""))
        click.echo("engines:")
        for engine_id in engines.available():
            click.echo(f"  {engine_id:<10} {engines.origin(engine_id)}")
        if demo_dir:
            paths = cast_voices.write_demo(settings.cast, demo_dir)
            click.echo(f"wrote {len(paths)} files to {demo_dir}")
    except BriefingError as e:
        raise _fail(e) from None


@cli.command()
@click.argument("text")
@click.option("-o", "--output", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the clip to this .wav or .mp3 file (default: play it).")
@click.option("--voice", "voice_name", metavar="NAME", help="A voice of the cast (default: the narrator).")
@click.option("--spoken", "show_spoken", is_flag=True,
              help="Print the text the engine will be given (after normalisation and the lexicon) and stop.")
@click.pass_context
def say(ctx: click.Context, text: str, out: Path | None, voice_name: str | None, show_spoken: bool) -> None:
    """Speak TEXT with the show's voices and [pronounce] lexicon, to hear a fix at once.

    Plays the clip when a player is found (ffplay, afplay, paplay, aplay, mpv), or writes it
    with -o FILE.wav / FILE.mp3.
    """
    from briefing import say as saying

    try:
        settings = _settings(ctx)
        voice = saying.cast_voice(settings, voice_name)
        if show_spoken:
            click.echo(saying.spoken_line(settings, text, voice))
            return
        audio = saying.say(settings, text, voice)
        if out is not None:
            saying.write_audio(out, audio, settings.audio.bitrate)
            click.echo(f"{out} ({audio.seconds:.1f} s, voice {voice.name})")
        else:
            player = saying.play(audio)
            click.echo(f"played {audio.seconds:.1f} s with {player} (voice {voice.name})")
    except BriefingError as e:
        raise _fail(e) from None


@cli.command()
@click.option("--at", "at", default="06:00", show_default=True, metavar="HH:MM",
              help="Time of day for the run, on this machine's clock.")
@click.pass_context
def schedule(ctx: click.Context, at: str) -> None:
    """Print a crontab line and a systemd service + timer pair for a daily `briefing make`."""
    from briefing.schedule import parse_time, render

    try:
        hour, minute = parse_time(at)
        settings = _settings(ctx, required=True)
    except BriefingError as e:
        raise _fail(e) from None
    click.echo(render(settings, hour, minute), nl=False)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 to let other devices on the network subscribe).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int) -> None:
    """Serve output/ (feed, episodes, transcripts) over HTTP with byte ranges, for podcast apps.

    Prints the feed URL to subscribe to; stop with Ctrl-C.
    """
    from briefing.publish import serve as server

    try:
        settings = _settings(ctx)
    except BriefingError as e:
        raise _fail(e) from None
    if not settings.output.is_dir():
        raise click.ClickException(f"{settings.output} does not exist yet. Run `briefing make` first")
    try:
        httpd = server.make_server(settings.output, host, port)
    except OSError as e:
        raise click.ClickException(f"cannot listen on {host}:{port}: {e.strerror or e}. Choose another --port or --host")
    click.echo(f"Serving {settings.output} at {httpd.url}")
    click.echo(f"Subscribe to {httpd.url}{server.FEED_NAME}")
    if not settings.show.base_url.startswith(httpd.url):
        click.echo(f"Note: the feed's episode links start with [show].base_url = {settings.show.base_url}; "
                   f"set it to {httpd.url} for apps to fetch them from this server", err=True)
    sys.stdout.flush()
    server.serve_forever(httpd)


@cli.command()
@click.option("--clear", is_flag=True, help="Remove every cached clip.")
@click.pass_context
def cache(ctx: click.Context, clear: bool) -> None:
    """Show the clip cache's size and entries (synthesized clips reused by later runs)."""
    from briefing.pipeline import speech_options
    from briefing.speech.cache import ClipCache
    from briefing.speech.synth import open_cache

    try:
        settings = _settings(ctx)
    except BriefingError as e:
        raise _fail(e) from None
    store = open_cache(speech_options(settings)) or ClipCache(settings.cache_dir, 0)
    if clear:
        gone = store.clear()
        click.echo(f"cleared {gone.entries} clips ({gone.bytes / 2**20:.1f} MB) from {store.root}")
        return
    use = store.usage()
    cap = f"{settings.cache.max_mb:g} MB" if settings.cache.max_mb else "no cap"
    state = "" if settings.cache.enabled else " (disabled in [cache])"
    click.echo(f"{store.root}{state}")
    click.echo(f"{use.entries} clips, {use.bytes / 2**20:.1f} MB of {cap}")
    # The prepared copies of Piper voices are kept per user, not per show (see the README).
    from briefing.speech.engines.piper import voice_cache_dir

    voices_dir = voice_cache_dir()
    copies = sorted(p for p in voices_dir.iterdir() if p.is_file()) if voices_dir.is_dir() else []
    size = sum(p.stat().st_size for p in copies)
    click.echo(f"{voices_dir}: {len(copies)} voice {'copy' if len(copies) == 1 else 'copies'}, "
               f"{size / 2**20:.1f} MB (per user; safe to delete)")
    for p in copies:
        click.echo(f"  {p.name}  {p.stat().st_size / 2**20:.1f} MB")


@cli.group("state")
def state_group() -> None:
    """The state database: the record of published episodes and briefed articles."""


@state_group.command("rebuild")
@click.pass_context
def state_rebuild(ctx: click.Context) -> None:
    """Rebuild the state database from output/feed.xml and the episode folders.

    For a state file that was emptied, lost or damaged: the published episodes stay in the
    feed and their stories are not briefed again. The old file is kept beside the new one.
    """
    from briefing.lock import run_lock
    from briefing.publish.rebuild import rebuild

    try:
        settings = _settings(ctx, required=True)
        with run_lock(settings.home, settings.output):
            done = rebuild(settings.show.base_url, settings.output, settings.state_db)
    except BriefingError as e:
        raise _fail(e) from None
    if done.kept_old:
        _echo(f"kept the old database as {done.kept_old}")
    _echo(f"rebuilt {done.database}: {done.episodes} episodes, {done.articles} articles")


def main() -> None:
    from briefing import speedups

    speedups.one_blas_thread()
    try:
        cli(prog_name="briefing")
    except SystemExit as e:  # click's standalone mode always ends this way
        code = e.code
    else:
        code = 0
    speedups.exit_without_teardown(code)
