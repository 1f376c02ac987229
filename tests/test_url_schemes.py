"""Only web addresses are fetched: a feed item or a redirect pointing to file:, ftp:, data: or
any other scheme is refused with a clear line, and the rest of the briefing goes on."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from localserver import LocalServer
from showkit import make, rss, script, show, story

WHEN = datetime(2026, 3, 1, 6, tzinfo=timezone.utc)


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def summary(result) -> list[str]:
    return [line.strip() for line in result.output.splitlines() if line.startswith("  ")]


@pytest.mark.parametrize("link", ["file:///etc/passwd", "ftp://127.0.0.1/story.html", "data:text/html,<p>hi</p>"])
def test_a_feed_item_pointing_elsewhere_is_refused(tmp_path, server, link):
    server.page("/s1", story(1))
    feed = server.page("/feed.xml", rss("Mixed", [("Odd", link, WHEN), ("Fine", server.url("/s1"), WHEN)]),
                       content_type="application/rss+xml")
    config = show(tmp_path, f'[sources]\npaths = []\n[[sources.feed]]\nurl = "{feed}"\nname = "Mixed"\n')
    result = make(config, "--date", "2026-03-02")
    assert result.exit_code == 3, result.output
    scheme = link.split(":")[0]
    (line,) = [line for line in summary(result) if line.startswith("skipped")]
    # feedparser may tidy the link (file:///etc/passwd comes back as file://etc/passwd).
    assert line.startswith(f"skipped  Mixed: {scheme}:"), result.output
    assert line.endswith(f": only http and https links are fetched; this item points to a {scheme}: address")
    assert [a["title"] for a in script(tmp_path, "2026-03-02")["articles"]] == ["Story number 1 makes the news"]
    assert [r.path for r in server.requests] == ["/feed.xml", "/s1"]  # nothing else was asked for


@pytest.mark.parametrize("target", ["file:///etc/passwd", "data:text/html,<p>x</p>", "ftp://127.0.0.1/x"])
def test_a_redirect_to_another_scheme_is_refused_in_a_run(tmp_path, server, target):
    server.page("/away", "", status=302, headers={"Location": target})
    good = server.page("/good", story(2))
    config = show(tmp_path, "[sources]\npaths = []")
    result = make(config, "--date", "2026-03-02", server.url("/away"), good)
    assert result.exit_code == 3, result.output
    scheme = target.split(":")[0]
    (line,) = [line for line in summary(result) if line.startswith("skipped")]
    assert line.startswith(f"skipped  {server.url('/away')}: "), result.output
    if scheme == "data":  # httpx refuses to read such a Location at all; the line says why
        assert line.endswith("; only http and https URLs can be fetched"), line
    else:
        assert line.endswith(f"only http and https URLs can be fetched, not {scheme}"), line
    assert [a["title"] for a in script(tmp_path, "2026-03-02")["articles"]] == ["Story number 2 makes the news"]
