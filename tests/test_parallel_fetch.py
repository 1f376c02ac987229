"""Sources fetched side by side ([fetch] parallel, per_host): a run with slow sources ends in
about one deadline, articles keep the producer's order, and no host gets more than two at once."""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from contextlib import ExitStack
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from briefing.cli import cli

from briefing.models import SourceSpec
from briefing.sources.fetch import Fetcher, FetchOptions
from briefing.sources.gather import gather
from localserver import LocalServer, drip
from showkit import script, show, story

DEADLINE = 2.0
GOOD_DELAY = 0.5  # each good page takes this long to answer: a slow but honest site
HOSTS = ("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")
OPTIONS = FetchOptions(connect_timeout=2, read_timeout=5, retries=0, deadline=DEADLINE, parallel=4, per_host=2)


class Watch(Fetcher):
    """A Fetcher that counts its requests in flight, per host and in all, to check the limits."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lock = threading.Lock()
        self.now: Counter[str] = Counter()
        self.most: Counter[str] = Counter()

    def get(self, url: str):
        host = urlsplit(url).hostname
        with self.lock:
            for key in (host, "*"):
                self.now[key] += 1
                self.most[key] = max(self.most[key], self.now[key])
        try:
            return super().get(url)
        finally:
            with self.lock:
                self.now[host] -= 1
                self.now["*"] -= 1


def good(n: int):
    def route(req):
        time.sleep(GOOD_DELAY)
        return 200, {"Content-Type": "text/html; charset=utf-8"}, story(n).encode()
    return route


def hang(req):
    def chunks():
        yield b"<html><body>"
        time.sleep(8)  # silent far past the deadline, under the 5 s read timeout... then more
        yield b"<p>late</p>"
    return 200, {"Content-Type": "text/html"}, chunks()


def twelve_sources(stack: ExitStack) -> tuple[list[str], list[str]]:
    """12 URLs over 4 hosts, each host with 2 good pages and 1 that hangs or drips.

    Returns (urls in the producer's order, the titles of the 8 good ones in that order)."""
    servers = [stack.enter_context(LocalServer(host)) for host in HOSTS]
    urls, titles, n = [], [], 0
    for round_ in range(3):
        for h, server in enumerate(servers):
            bad = round_ == h % 3 and h < 4
            path = f"/s{round_}-{h}"
            if bad:
                route = drip(rate=8) if h % 2 else hang
            else:
                n += 1
                route = good(n)
                titles.append(f"Story number {n} makes the news")
            server.routes[path] = route
            urls.append(server.url(path))
    assert len(urls) - len(titles) == 4
    return urls, titles


def test_twelve_sources_with_four_slow_ones_finish_in_about_one_deadline(tmp_path):
    with ExitStack() as stack:
        urls, titles = twelve_sources(stack)
        start = time.monotonic()
        with Watch(OPTIONS) as watch:
            items = list(gather([SourceSpec(u) for u in urls], watch))
        took = time.monotonic() - start
    print(f"12 sources: {took:.2f} s")
    assert took < DEADLINE + 8 * GOOD_DELAY  # one by one it would be 4 x 2 s + 8 x 0.5 s
    assert [i.label for i in items] == urls  # the producer's order, every source listed
    assert sum(1 for i in items if i.error) == 4
    assert all("deadline" in i.error.reason for i in items if i.error)
    assert watch.most["*"] <= 4
    assert max(watch.most[h] for h in HOSTS) <= 2


def test_one_host_gets_at_most_two_requests_at_once():
    with LocalServer() as server:
        for n in range(6):
            server.routes[f"/p{n}"] = good(n)
        with Watch(OPTIONS) as watch:
            start = time.monotonic()
            items = list(gather([SourceSpec(server.url(f"/p{n}")) for n in range(6)], watch))
            took = time.monotonic() - start
    assert all(i.document for i in items)
    assert watch.most["127.0.0.1"] == 2
    assert took >= 3 * GOOD_DELAY  # six pages, two at a time


def test_the_episode_has_the_eight_good_articles_in_order_and_the_summary_all_twelve(tmp_path):
    with ExitStack() as stack:
        urls, titles = twelve_sources(stack)
        config = show(tmp_path, "[sources]\npaths = []")
        config.write_text(config.read_text().replace("read_timeout = 0.5", f"read_timeout = 5\ndeadline = {DEADLINE}")
                          .replace("retries = 1", "retries = 0"))
        result = CliRunner().invoke(cli, ["-v", "--config", str(config), "make", "--date", "2026-03-02", *urls])
    assert result.exit_code == 3, result.output
    assert [a["title"] for a in script(tmp_path, "2026-03-02")["articles"]] == titles
    summary = [line.strip() for line in result.output.splitlines() if line.startswith("  ")]
    assert sum(1 for line in summary if line.startswith("skipped")) == 4
    assert sum(1 for line in summary if line.startswith("Story number")) == 8
    # The read stage (fetching and cleaning) in about one deadline; cleaning 8 pages costs a little.
    (read,) = re.findall(r"stage read and clean: ([0-9.]+) s", result.output)
    assert float(read) < DEADLINE + 8 * GOOD_DELAY + 1.5


@pytest.mark.parametrize("parallel", [1, 3])
def test_feed_items_keep_the_feed_order_at_any_parallelism(tmp_path, parallel):
    from datetime import datetime, timedelta, timezone
    from showkit import rss

    with LocalServer() as server:
        base = datetime(2026, 3, 1, tzinfo=timezone.utc)
        items = []
        for n in range(5):
            server.routes[f"/i{n}"] = good(n)
            items.append((f"Item {n}", server.url(f"/i{n}"), base - timedelta(hours=n)))
        feed = server.page("/feed.xml", rss("F", items), content_type="application/rss+xml")
        page = server.page("/after", story(9))
        options = FetchOptions(**{**OPTIONS.__dict__, "parallel": parallel})
        with Fetcher(options) as fetcher:
            got = list(gather([SourceSpec(feed, "feed"), SourceSpec(page)], fetcher))
    assert [i.document.source for i in got] == [u for _, u, _ in items] + [page]


@pytest.mark.parametrize("key,value", [("parallel", 0), ("per_host", 0), ("deadline", 0), ("parallel", 1.5)])
def test_the_settings_must_be_positive(tmp_path, key, value):
    config = show(tmp_path, "[sources]\npaths = []")
    config.write_text(config.read_text().replace("[fetch]\n", f"[fetch]\n{key} = {value}\n"))
    result = CliRunner().invoke(cli, ["--config", str(config), "make", "--dry-run"])
    assert result.exit_code == 1
    assert f"[fetch].{key} must be a positive number, got {value}" in result.output


def test_the_defaults_are_documented(tmp_path):
    from briefing.config import _defaults, from_dict

    fetch = from_dict(_defaults(), root=tmp_path).fetch
    assert (fetch.deadline, fetch.parallel, fetch.per_host) == (60.0, 4, 2)
