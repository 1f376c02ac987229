"""The whole-source deadline ([fetch] deadline): a server that is never quite silent, slow
retries, slow redirects and slow feed items are all given up in time, and the run goes on."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from briefing.errors import SourceError
from briefing.sources.fetch import Fetcher, FetchOptions
from localserver import LocalServer, drip
from showkit import make, rss, script, show, story

DEADLINE = 2.0
# Read timeout well above the drip's gap between bytes (0.125 s): only the deadline can stop it.
OPTIONS = FetchOptions(connect_timeout=2, read_timeout=1.0, retries=5, backoff=1.0, max_retry_wait=10,
                       deadline=DEADLINE)
MARGIN = 1.0


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def timed_failure(url: str, options: FetchOptions = OPTIONS) -> tuple[str, float]:
    start = time.monotonic()
    with Fetcher(options) as f, pytest.raises(SourceError) as e:
        f.get(url)
    return e.value.reason, time.monotonic() - start


def deadline_of(config) -> None:
    """The show's fetch limits with the short deadline, and a read timeout the drip never trips."""
    text = config.read_text().replace("read_timeout = 0.5", f"read_timeout = 1\ndeadline = {DEADLINE}")
    config.write_text(text)


def test_a_drip_feed_never_trips_the_read_timeout_but_the_deadline_stops_it(server):
    server.routes["/drip"] = drip(rate=8)
    reason, took = timed_failure(server.url("/drip"))
    assert DEADLINE <= took < DEADLINE + MARGIN
    assert reason.startswith("gave up after 2.")
    assert reason.endswith("over the 2 s deadline for one source ([fetch] deadline); the server is too slow")


def test_a_silent_server_with_a_long_read_timeout_is_cut_at_the_deadline(server):
    server.routes["/mute"] = lambda req: (time.sleep(6), (200, {}, b""))[1]
    options = FetchOptions(connect_timeout=10, read_timeout=20, deadline=DEADLINE)
    reason, took = timed_failure(server.url("/mute"), options)
    assert took < DEADLINE + MARGIN
    assert reason.startswith("gave up after ") and "deadline" in reason


def test_retries_do_not_sleep_past_the_deadline(server):
    server.page("/busy", "busy", status=503)
    reason, took = timed_failure(server.url("/busy"))
    # Tries at 0 s and 1 s; the next wait (2 s) would end past the deadline, so it stops there.
    assert took < DEADLINE + MARGIN
    assert len(server.requests) == 2
    assert reason == "the server answered HTTP 503; a retry in 2 s would pass the 2 s deadline for one source ([fetch] deadline)"


def test_slow_redirect_hops_add_up_to_the_deadline(server):
    for n in range(5):
        server.routes[f"/hop{n}"] = (lambda n: lambda req: (time.sleep(0.7), (302, {"Location": f"/hop{n + 1}"}, b""))[1])(n)
    server.page("/hop5", story(1))
    reason, took = timed_failure(server.url("/hop0"))
    assert took < DEADLINE + MARGIN
    assert "deadline" in reason
    assert len(server.requests) <= 4


def test_a_fast_page_is_unaffected(server):
    url = server.page("/ok", story(1))
    with Fetcher(OPTIONS) as f:
        assert f.get(url).content == story(1).encode()


def test_a_dripping_source_is_skipped_with_one_line_and_the_briefing_goes_on(tmp_path, server):
    server.routes["/drip"] = drip(rate=8)
    good = server.page("/good", story(1))
    config = show(tmp_path, "[sources]\npaths = []", extra="")
    deadline_of(config)
    start = time.monotonic()
    result = make(config, "--date", "2026-03-02", server.url("/drip"), good)
    took = time.monotonic() - start
    assert result.exit_code == 3, result.output
    # The summary's one line for it (the warning on stderr says the same, as for any skip).
    lines = [line for line in result.output.splitlines() if "/drip" in line and line.lstrip().startswith("skipped")]
    assert len(lines) == 1 and "gave up after 2." in lines[0] and "deadline" in lines[0], result.output
    assert took < DEADLINE + 5  # the target: skipped within deadline + 5 s, whole run included
    assert [a["title"] for a in script(tmp_path, "2026-03-02")["articles"]] == ["Story number 1 makes the news"]


def test_a_dripping_feed_item_is_skipped_and_the_other_items_read(tmp_path, server):
    when = datetime(2026, 3, 1, 6, tzinfo=timezone.utc)
    server.routes["/drip"] = drip(rate=8)
    server.page("/s1", story(1))
    feed = server.page("/feed.xml", rss("Drips", [("Slow", server.url("/drip"), when), ("Fine", server.url("/s1"), when)]),
                       content_type="application/rss+xml")
    config = show(tmp_path, f'[[sources.feed]]\nurl = "{feed}"\n')
    deadline_of(config)
    result = make(config, "--date", "2026-03-02")
    assert result.exit_code == 3, result.output
    assert any("/drip" in line and "deadline" in line for line in result.output.splitlines()), result.output
    assert [a["title"] for a in script(tmp_path, "2026-03-02")["articles"]] == ["Story number 1 makes the news"]
