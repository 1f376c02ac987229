"""A week of daily runs against a changing feed on 127.0.0.1: no repeats, one episode a day."""

from __future__ import annotations

import feedparser
import pytest

from localserver import LocalServer
from showkit import briefed, day0, episodes, make, rss, script, show, story


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def test_a_week_of_daily_runs_gives_seven_episodes_and_no_repeated_article(tmp_path, server, briefing_home):
    # Each morning the feed gains two stories and keeps the newest five, so most items in it
    # were already briefed on an earlier day.
    today = {"n": 0}

    def feed(req):
        newest = 2 * (today["n"] + 1)
        items = [(f"Story number {k} makes the news", server.url(f"/story/{k}"), day0(k // 2))
                 for k in range(max(1, newest - 4), newest + 1)]
        return 200, {"Content-Type": "application/rss+xml"}, rss("Local Paper", items).encode()

    server.routes["/feed.xml"] = feed
    for k in range(1, 15):
        server.page(f"/story/{k}", story(k))
    config = show(tmp_path, f"""
[sources]
paths = []
[[sources.feed]]
url = "{server.url('/feed.xml')}"
name = "Local Paper"
limit = 5
""")
    dates = [day0(d).date().isoformat() for d in range(7)]
    for d, date in enumerate(dates):
        today["n"] = d
        result = make(config, "--date", date)
        assert result.exit_code == 0, result.output
        new = {2 * d + 1, 2 * d + 2}
        for k in new:
            assert f"Story number {k} makes the news" in result.output
        assert "already briefed on" in result.output or d == 0

    # State: seven episodes, every article briefed once, in the episode of the day it appeared.
    assert [e[0] for e in episodes(briefing_home)] == dates
    rows = briefed(briefing_home)
    titles = [t for _, t in rows]
    assert len(titles) == len(set(titles)) == 14
    assert ("2026-03-01", "Story number 1 makes the news") in rows
    assert ("2026-03-07", "Story number 14 makes the news") in rows
    # Episodes on disk: each script names only its own day's stories.
    heard: list[str] = []
    for date in dates:
        heard += [a["title"] for a in script(tmp_path, date)["articles"]]
    assert len(heard) == len(set(heard)) == 14
    # The feed lists all seven, newest first.
    parsed = feedparser.parse((tmp_path / "output" / "feed.xml").read_bytes())
    assert not parsed.bozo
    assert len(parsed.entries) == 7
    assert parsed.entries[0].title.endswith("7 March 2026")


def test_two_runs_for_the_same_date_give_one_episode(tmp_path, server, briefing_home):
    server.page("/a", story(1))
    config = show(tmp_path, f'[sources]\npaths = ["{server.url("/a")}"]')
    first = make(config, "--date", "2026-03-02")
    second = make(config, "--date", "2026-03-02")
    assert first.exit_code == 0 and second.exit_code == 0, second.output
    assert "Story number 1 makes the news" in second.output  # not "already briefed": same day
    assert len(episodes(briefing_home)) == 1
    assert briefed(briefing_home) == [("2026-03-02", "Story number 1 makes the news")]
    parsed = feedparser.parse((tmp_path / "output" / "feed.xml").read_bytes())
    assert len(parsed.entries) == 1


def test_a_rerun_replaces_the_days_articles(tmp_path, server, briefing_home):
    server.page("/a", story(1))
    server.page("/b", story(2))
    config = show(tmp_path, f'[sources]\npaths = ["{server.url("/a")}", "{server.url("/b")}"]')
    assert make(config, "--date", "2026-03-02").exit_code == 0
    # The producer drops a story and re-runs: the dropped one is no longer counted as briefed.
    assert make(config, "--date", "2026-03-02", server.url("/a")).exit_code == 0
    assert briefed(briefing_home) == [("2026-03-02", "Story number 1 makes the news")]
    assert make(config, "--date", "2026-03-03", server.url("/b")).exit_code == 0


def test_an_article_whose_text_changed_is_briefed_again(tmp_path, server, briefing_home):
    server.page("/a", story(1))
    config = show(tmp_path, f'[sources]\npaths = ["{server.url("/a")}"]')
    assert make(config, "--date", "2026-03-02").exit_code == 0
    same = make(config, "--date", "2026-03-03")
    assert same.exit_code == 1
    assert "left out  " + server.url("/a") + ": already briefed on 2026-03-02" in same.output
    assert "Error: nothing new to brief: every article was already briefed; the feed is unchanged" in same.output
    assert len(episodes(briefing_home)) == 1

    server.page("/a", story(1).replace("went well", "went badly, a correction says"))
    changed = make(config, "--date", "2026-03-03")
    assert changed.exit_code == 0, changed.output
    assert [d for d, _ in briefed(briefing_home)] == ["2026-03-02", "2026-03-03"]


def test_the_same_story_at_a_tracking_url_or_twice_in_a_feed_is_read_once(tmp_path, server, briefing_home):
    server.page("/a", story(1))
    server.page("/b", story(2))
    items = [("One", server.url("/a"), day0(1)), ("One again", server.url("/a?utm_source=rss"), day0(1)),
             ("Two", server.url("/b"), day0(0)), ("Two dup", server.url("/b#top"), day0(0))]
    server.page("/feed", rss("Dupes", items), content_type="application/rss+xml")
    config = show(tmp_path, f'[sources]\npaths = ["{server.url("/feed")}"]')
    result = make(config, "--date", "2026-03-02")
    assert result.exit_code == 0, result.output  # duplicates are not failures
    assert result.output.count("listed twice (same link as Dupes: ") == 2
    assert sorted(t for _, t in briefed(briefing_home)) == [
        "Story number 1 makes the news", "Story number 2 makes the news"]
    assert [a["title"] for a in script(tmp_path, "2026-03-02")["articles"]] == [
        "Story number 1 makes the news", "Story number 2 makes the news"]
    # /a fetched once, not once per listing
    assert sum(1 for r in server.requests if r.path.startswith("/a")) == 1


def test_feed_items_newest_first_up_to_the_limit(tmp_path, server, briefing_home):
    for k in range(1, 5):
        server.page(f"/s{k}", story(k))
    # Out of order in the document; dates decide.
    items = [(f"s{k}", server.url(f"/s{k}"), day0(k)) for k in (2, 4, 1, 3)]
    server.page("/feed", rss("Order", items), content_type="application/rss+xml")
    config = show(tmp_path, f"""
[sources]
paths = []
feed_limit = 2
[[sources.feed]]
url = "{server.url('/feed')}"
""")
    assert make(config, "--date", "2026-03-09").exit_code == 0
    assert [a["title"] for a in script(tmp_path, "2026-03-09")["articles"]] == [
        "Story number 4 makes the news", "Story number 3 makes the news"]
