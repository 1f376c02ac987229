"""Crash safety: real `briefing make` processes killed with SIGKILL at chosen points.

Each point is reached by the real CLI (tests/killrun.py only adds a pause there and drops a
marker file). After the kill, the previous feed, episodes and state must be intact, and the
next run must succeed and leave no temporary files behind.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import feedparser
import pytest

from showkit import briefed, db, episodes, make, show, story

KILLRUN = Path(__file__).with_name("killrun.py")
EARLIER, TODAY = "2026-04-01", "2026-04-02"


def start(config: Path, home: Path, point: str, marker: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "BRIEFING_HOME": str(home), "BRIEFING_TEST_PAUSE_AT": point,
           "BRIEFING_TEST_MARKER": str(marker)}
    return subprocess.Popen([sys.executable, str(KILLRUN), "--quiet", "--config", str(config), "make", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(marker: Path, proc: subprocess.Popen, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while not marker.exists():
        if proc.poll() is not None:
            raise AssertionError(f"run ended before the pause point: {proc.communicate()}")
        if time.monotonic() > end:
            proc.kill()
            raise AssertionError("pause point never reached")
        time.sleep(0.02)


def snapshot(folder: Path, home: Path) -> dict:
    out = folder / "output"
    return {
        "feed": (out / "feed.xml").read_bytes(),
        "mp3": hashlib.sha256((out / EARLIER / f"briefing-{EARLIER}.mp3").read_bytes()).hexdigest(),
        "page": (out / EARLIER / "index.html").read_bytes(),
        "show_page": (out / "index.html").read_bytes(),
        "episodes": episodes(home),
        "briefed": briefed(home),
    }


@pytest.fixture
def earlier(tmp_path, briefing_home):
    """A show that published EARLIER from one story; a second story waits in sources/."""
    config = show(tmp_path, '[sources]\npaths = ["sources"]')
    (tmp_path / "sources" / "one.html").write_text(story(1), encoding="utf-8")
    assert make(config, "--date", EARLIER).exit_code == 0
    # Longer than story 1: the silent engine's audio depends only on word counts, and an
    # identical track would come from the encoded-MP3 cache without reaching the encoder.
    two = story(2).replace("</article>", "<p>A fourth paragraph adds a few more words to this story.</p></article>")
    (tmp_path / "sources" / "two.html").write_text(two, encoding="utf-8")
    return config


POINTS = ["fetching", "speaking", "mp3-written", "state-uncommitted", "state-committed", "feed-temp-written"]


@pytest.mark.parametrize("point", POINTS)
def test_killed_at_a_point_leaves_everything_intact_and_the_next_run_succeeds(point, tmp_path, briefing_home, earlier):
    config = earlier
    if point == "fetching":  # the read stage fetches; give it a URL among the sources
        from localserver import LocalServer
        server = LocalServer().__enter__()
        url = server.page("/three", story(3))
        config.write_text(config.read_text().replace('paths = ["sources"]', f'paths = ["sources", "{url}"]'))
    before = snapshot(tmp_path, briefing_home)
    marker = tmp_path / "marker"
    proc = start(config, briefing_home, point, marker, "--date", TODAY)
    try:
        wait_for(marker, proc)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL

    # The previous feed is byte for byte the same, the earlier MP3 too; the database is whole.
    after = snapshot(tmp_path, briefing_home)
    assert after["feed"] == before["feed"]
    assert after["mp3"] == before["mp3"]
    assert after["page"] == before["page"]
    if point not in ("state-committed", "feed-temp-written"):
        assert after["show_page"] == before["show_page"]  # rebuilt from state only once it is committed
    if point in ("state-committed", "feed-temp-written"):
        # The new episode was committed before the kill; the feed is rebuilt from it next run.
        assert after["episodes"][0] == before["episodes"][0] and len(after["episodes"]) == 2
    else:
        assert after["episodes"] == before["episodes"]
        assert after["briefed"] == before["briefed"]

    # The next run (the lock died with the process) makes today's episode and tidies up.
    result = make(config, "--date", TODAY)
    assert result.exit_code == 0, result.output
    parsed = feedparser.parse((tmp_path / "output" / "feed.xml").read_bytes())
    assert not parsed.bozo and len(parsed.entries) == 2
    assert [d for d, _ in episodes(briefing_home)] == [EARLIER, TODAY]
    assert (EARLIER, "Story number 1 makes the news") in briefed(briefing_home)
    assert (TODAY, "Story number 2 makes the news") in briefed(briefing_home)
    leftovers = [p for p in (tmp_path / "output").rglob(".*") if p.name != ".gitkeep"]
    assert leftovers == []
    if point == "fetching":
        server.__exit__(None, None, None)


def test_killed_at_staggered_times_over_several_runs(tmp_path, briefing_home, earlier):
    """Kills at fixed delays (start-up, reading, speaking, encoding...), then a clean run."""
    config = earlier
    before = snapshot(tmp_path, briefing_home)
    for delay in (0.3, 1.2, 2.0, 2.8, 3.6):
        proc = start(config, briefing_home, "", tmp_path / "unused", "--date", TODAY)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        after = snapshot(tmp_path, briefing_home)
        assert after["mp3"] == before["mp3"]
        assert db(briefing_home).execute("SELECT COUNT(*) FROM episodes WHERE date = ?", (EARLIER,)).fetchone() == (1,)
        parsed = feedparser.parse(after["feed"])
        assert not parsed.bozo and any(e.title.endswith("1 April 2026") for e in parsed.entries)
    result = make(config, "--date", TODAY)
    assert result.exit_code == 0, result.output
    assert [d for d, _ in episodes(briefing_home)] == [EARLIER, TODAY]
