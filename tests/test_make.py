"""`briefing make` end to end, as a producer runs it."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import feedparser
import numpy as np
import podcastparser
import pytest
from click.testing import CliRunner

from briefing.cli import cli
from briefing.ffmpeg import decode
from conftest import write_show

SHORT_ARTICLE = """<!doctype html>
<html><head><title>Harbour bridge reopens | Coast News</title>
<meta property="og:title" content="Harbour bridge reopens after repairs">
<meta property="og:site_name" content="Coast News"></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
<article><h1>Harbour bridge reopens after repairs</h1>
<p class="byline">By Ana Ruiz</p>
<p>The harbour bridge reopened to traffic on Monday after three months of repairs to its
steel deck, the city council said.</p>
<p>“We are delighted to have the bridge back,” said Maria Lopez, the council's head of
transport. “Drivers will notice a much smoother crossing.”</p>
<p>The work cost less than expected and finished a week early.</p>
</article>
<footer>Subscribe to our newsletter. Copyright Coast News.</footer>
</body></html>
"""


def _make(config: Path, *args: str):
    return CliRunner().invoke(cli, ["--config", str(config), "make", *args], catch_exceptions=False)


@pytest.mark.slow
def test_make_with_the_offline_voice_writes_a_real_episode_and_feed(tmp_path):
    config = write_show(tmp_path, engine="piper")
    (tmp_path / "sources" / "bridge.html").write_text(SHORT_ARTICLE, encoding="utf-8")
    result = _make(config, "--date", "2026-11-20")
    assert result.exit_code == 0, result.output

    folder = tmp_path / "output" / "2026-11-20"
    mp3 = folder / "briefing-2026-11-20.mp3"
    assert str(mp3) in result.output
    assert "Harbour bridge reopens after repairs" in result.output

    audio = decode(mp3)
    # intro + three short paragraphs + outro: well over ten seconds, under two minutes
    assert 10 < audio.seconds < 120
    rms = float(np.sqrt(np.mean(audio.samples**2)))
    assert rms > 0.01, "the episode is silent"

    script = json.loads((folder / "briefing-2026-11-20.json").read_text())
    quotes = [s for s in script["segments"] if s["role"] == "quote"]
    assert quotes and all(s["voice"] != "joe" for s in quotes)
    assert (folder / "briefing-2026-11-20.txt").read_text().count("\n") == len(script["segments"])

    feed_path = tmp_path / "output" / "feed.xml"
    parsed = feedparser.parse(feed_path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    (entry,) = parsed.entries
    (enclosure,) = entry.enclosures
    assert enclosure.href == "http://127.0.0.1:8000/pod/2026-11-20/briefing-2026-11-20.mp3"
    assert int(enclosure.length) == mp3.stat().st_size
    assert enclosure.type == "audio/mpeg"

    pod = podcastparser.parse("http://127.0.0.1:8000/pod/feed.xml", io.BytesIO(feed_path.read_bytes()))
    (episode,) = pod["episodes"]
    assert episode["enclosures"][0]["file_size"] == mp3.stat().st_size
    assert abs(episode["total_time"] - audio.seconds) <= 1.5


def test_a_broken_source_is_skipped_and_the_rest_is_briefed(tmp_path):
    config = write_show(tmp_path)
    (tmp_path / "sources" / "bridge.html").write_text(SHORT_ARTICLE, encoding="utf-8")
    result = _make(config, str(tmp_path / "sources" / "bridge.html"), str(tmp_path / "missing.html"))
    assert result.exit_code == 3, result.output
    assert "missing.html: file not found" in result.output
    assert (tmp_path / "output" / "feed.xml").is_file()


def test_the_installed_command_exits_with_the_run_s_status_and_everything_written(tmp_path, briefing_home):
    # main() ends the process without the interpreter's teardown (speedups.exit_without_teardown): what a run
    # printed (to pipes, which buffer) and wrote must all be there, with the run's own status.
    config = write_show(tmp_path)
    bridge = tmp_path / "sources" / "bridge.html"
    bridge.write_text(SHORT_ARTICLE, encoding="utf-8")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "briefing", "-v", "--config", str(config), "make", *args],
                              capture_output=True, text=True, env=dict(os.environ), timeout=300)

    done = run("--date", "2026-11-20", str(bridge), str(tmp_path / "missing.html"))
    assert done.returncode == 3, done.stderr
    assert "missing.html: file not found" in done.stderr
    assert "debug: stage publish" in done.stderr
    assert done.stdout.splitlines()[-1] == f"feed: {tmp_path / 'output' / 'feed.xml'}"
    parsed = feedparser.parse(str(tmp_path / "output" / "feed.xml"))
    assert [e.title for e in parsed.entries] == ["Test Show, Friday 20 November 2026"]
    from showkit import episodes

    assert [d for d, _ in episodes(briefing_home)] == ["2026-11-20"]
    done = run("--date", "2026-11-21", str(tmp_path / "missing.html"))
    assert done.returncode == 1
    assert "nothing to brief" in done.stderr


def test_the_quick_exit_waits_for_other_threads_as_python_does():
    from briefing.speedups import exit_without_teardown as _exit

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with pytest.raises(SystemExit) as exited:
            _exit(3)
        assert exited.value.code == 3
    finally:
        stop.set()
        other.join()


def test_when_nothing_can_be_made_the_feed_is_untouched(tmp_path):
    config = write_show(tmp_path)
    (tmp_path / "sources" / "bridge.html").write_text(SHORT_ARTICLE, encoding="utf-8")
    assert _make(config, "--date", "2026-11-20").exit_code == 0
    feed = (tmp_path / "output" / "feed.xml").read_bytes()
    result = _make(config, "--date", "2026-11-21", str(tmp_path / "missing.html"))
    assert result.exit_code == 1
    assert "nothing to brief" in result.output
    assert (tmp_path / "output" / "feed.xml").read_bytes() == feed


def test_a_run_that_fails_leaves_the_published_cover_as_the_feed_knows_it(tmp_path, monkeypatch):
    # A new show title draws a new cover on the side while the episode is made. Tagging the MP3
    # then fails: output/ must still hold the old cover, the one the feed's channel points at.
    import time

    from briefing.audio import tags
    from briefing.errors import AudioError

    config = write_show(tmp_path, title="Old Title")
    (tmp_path / "sources" / "bridge.html").write_text(SHORT_ARTICLE, encoding="utf-8")
    assert _make(config, "--date", "2026-11-20").exit_code == 0
    cover, feed = tmp_path / "output" / "cover.jpg", tmp_path / "output" / "feed.xml"
    before = cover.read_bytes(), feed.read_bytes()

    def failing_tags(*args, **kwargs):
        time.sleep(0.5)  # long enough for the side thread to draw the new cover
        raise AudioError("tagging failed")

    config.write_text(config.read_text(encoding="utf-8").replace("Old Title", "New Title"), encoding="utf-8")
    (tmp_path / "sources" / "bridge.html").write_text(SHORT_ARTICLE.replace("Monday", "Tuesday"), encoding="utf-8")
    real_write = tags.write
    monkeypatch.setattr(tags, "write", failing_tags)
    result = CliRunner().invoke(cli, ["--config", str(config), "make", "--date", "2026-11-21"])
    assert result.exit_code == 1 and "tagging failed" in result.output
    assert (cover.read_bytes(), feed.read_bytes()) == before
    # Only tags.write is put back: monkeypatch.undo() would also drop BRIEFING_HOME, and a run
    # on another (empty) state database is refused now that the feed has episodes.
    monkeypatch.setattr(tags, "write", real_write)
    assert _make(config, "--date", "2026-11-21").exit_code == 0
    assert cover.read_bytes() != before[0], "the next good run publishes the new cover"


def test_script_command_prints_segments_with_voices(tmp_path):
    config = write_show(tmp_path)
    page = tmp_path / "sources" / "bridge.html"
    page.write_text(SHORT_ARTICLE, encoding="utf-8")
    runner = CliRunner()
    out = runner.invoke(cli, ["--config", str(config), "script", str(page), "--format", "json"])
    assert out.exit_code == 0, out.output
    segments = json.loads(out.output)["segments"]
    assert {"role", "speaker", "voice", "text", "spoken"} <= set(segments[0])
    quote = next(s for s in segments if s["role"] == "quote")
    assert quote["speaker"] == "Maria Lopez"
    text = runner.invoke(cli, ["--config", str(config), "script", str(page)])
    assert text.exit_code == 0
    assert f"{quote['voice']}: {quote['text']}" in text.output.splitlines()


def test_clean_names_a_missing_source(tmp_path):
    result = CliRunner().invoke(cli, ["clean", str(tmp_path / "gone.html")])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {tmp_path / 'gone.html'}: file not found. Check the path"


GTTS_CAST = """
[cast]
engine = "gtts"
narrator = "uk"
quotes = ["us", "au"]
[voices.uk]
tld = "co.uk"
[voices.us]
tld = "com"
[voices.au]
tld = "com.au"
"""


def test_make_with_gtts_unreachable_says_so_in_one_line_and_leaves_the_feed(tmp_path, monkeypatch):
    import socket

    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    # An episode made earlier with the silent engine...
    config = write_show(tmp_path)
    (tmp_path / "sources" / "bridge.html").write_text(SHORT_ARTICLE, encoding="utf-8")
    (tmp_path / "sources" / "other.html").write_text(SHORT_ARTICLE.replace("Monday", "Tuesday"), encoding="utf-8")
    assert _make(config, "--date", "2026-11-20").exit_code == 0
    feed_before = (tmp_path / "output" / "feed.xml").read_bytes()
    # ...then the producer switches to gTTS while Google's service cannot be reached.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("BRIEFING_GTTS_URL", f"http://127.0.0.1:{port}/{{tld}}/")
    config = write_show(tmp_path, engine="gtts", extra=GTTS_CAST)
    news = []
    for day in ("Wednesday", "Thursday"):
        page = tmp_path / f"{day}.html"
        page.write_text(SHORT_ARTICLE.replace("Monday", day), encoding="utf-8")
        news.append(str(page))
    result = CliRunner().invoke(cli, ["--config", str(config), "make", "--date", "2026-11-21", *news])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert errors == [
        f"Error: speech engine 'gtts': cannot reach http://127.0.0.1:{port}/co.uk (connection refused). "
        'Use the offline engine: set engine = "piper" in [cast] of briefing.toml'
    ]
    assert "Traceback" not in result.output
    assert (tmp_path / "output" / "feed.xml").read_bytes() == feed_before
    assert not (tmp_path / "output" / "2026-11-21").exists()


def test_intro_reads_a_short_list_as_one_sentence_and_many_headlines_one_sentence_each(tmp_path):
    from datetime import date

    from briefing import config
    from briefing.models import Article
    from briefing.script.episode import intro_text

    settings = config.load(write_show(tmp_path))

    def articles(*titles):
        return [Article(title=t, body=()) for t in titles]

    day = date(2026, 1, 6)
    three = intro_text(settings.show.title, day, articles("Rates rise", "Storm hits coast.", "Who won?"))
    assert three.endswith("Today: Rates rise; Storm hits coast; and Who won?")
    many = intro_text(settings.show.title, day, articles(*(f"Story {n}" for n in range(1, 7))))
    assert "Today, 6 stories. Story 1. Story 2. Story 3. Story 4. Story 5. And finally, Story 6." in many
    # no sentence of the intro grows with the number of articles
    longest = max(len(s.split()) for s in many.replace("?", ".").split(". "))
    assert longest <= 6


def test_the_episode_pauses_between_headline_standfirst_and_byline(tmp_path):
    from datetime import date

    from briefing import config
    from briefing.models import Article, Block
    from briefing.pipeline import plan, script_articles

    settings = config.load(write_show(tmp_path))
    article = Article(title="Bridge reopens", standfirst="Repairs took three months.", byline="Ann Lee",
                      body=(Block("paragraph", "The bridge reopened on Monday."),))
    planned = plan(settings, script_articles(settings, [article]), date(2026, 1, 6))
    pauses = {seg.text: pause for seg, pause, *_ in planned}
    a = settings.audio
    assert pauses["Repairs took three months."] == a.pause_paragraph_ms
    assert pauses["By Ann Lee"] == a.pause_paragraph_ms
    assert pauses["The bridge reopened on Monday."] == a.pause_paragraph_ms


def test_the_first_run_of_a_day_preloads_the_engines_and_a_re_run_does_not(tmp_path, monkeypatch, briefing_home):
    # The first run speaks new articles, so the engines' libraries load while sources are read;
    # a re-run of the same day mostly finds its clips cached and is not slowed by an import.
    from briefing import state
    from briefing.speech.engines.silence import SilenceEngine

    calls: list[str] = []
    monkeypatch.setattr(SilenceEngine, "preload", lambda self, voices, threads: calls.append("preload"), raising=False)
    config = write_show(tmp_path)
    (tmp_path / "sources" / "bridge.html").write_text(SHORT_ARTICLE, encoding="utf-8")
    db = briefing_home / "state.sqlite3"
    assert not state.has_episode(db, "2026-11-20")

    assert _make(config, "--date", "2026-11-20").exit_code == 0
    assert calls == ["preload"]
    assert state.has_episode(db, "2026-11-20") and not state.has_episode(db, "2026-11-21")
    assert _make(config, "--date", "2026-11-20").exit_code == 0
    assert calls == ["preload"]
    (tmp_path / "sources" / "bridge.html").write_text(
        SHORT_ARTICLE.replace("finished a week early.", "finished a week early, the council added."), encoding="utf-8")
    result = _make(config, "--date", "2026-11-21")  # a new day, with the story updated
    assert result.exit_code == 0, result.output
    assert calls == ["preload", "preload"]


def test_a_failing_preload_is_left_for_synthesis_to_report(tmp_path, monkeypatch):
    from briefing.speech.engines.silence import SilenceEngine

    def broken(self, voices, threads):
        raise ImportError("no module named 'imaginary'")

    monkeypatch.setattr(SilenceEngine, "preload", broken, raising=False)
    config = write_show(tmp_path)
    (tmp_path / "sources" / "bridge.html").write_text(SHORT_ARTICLE, encoding="utf-8")
    result = _make(config, "--date", "2026-11-20")
    assert result.exit_code == 0, result.output
