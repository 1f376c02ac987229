"""Only well-formed http(s) links leave the project: chapters JSON, ID3 CHAP/WXXX, the feed."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import write_show

from briefing.cli import cli
from briefing.safe_text import safe_url
from briefing.audio.tags import read_chapters

PAGE = """<!doctype html><html><head><title>{title}</title>
<meta property="og:url" content="{url}"></head>
<body><article><h1>{title}</h1><p class="byline">By Ana Ruiz</p>
<p>The harbour bridge reopened to traffic on Monday after three months of repairs to its
steel deck, the city council said on Monday afternoon in a statement.</p>
<p>The work cost less than expected and finished a week early, officials said.</p>
</article></body></html>"""


@pytest.mark.parametrize("url, expected", [
    ("javascript:alert(document.domain)//https://x", None),
    ("JavaScript:alert(1)", None),
    ("data:text/html,<script>alert(1)</script>", None),
    ("file:///etc/passwd", None),
    ("https://", None),
    ("https://a b.org/", None),
    ("https://bank.example@evil.example/", None),
    ("https://x.org:99999/", None),
    ("https://[::zz]/", None),
    ("https://ex.org/\x00", None),
    ("https://example.org/a\"><script>x</script>", "https://example.org/a%22%3E%3Cscript%3Ex%3C/script%3E"),
    ("HTTPS://Example.ORG/story?id=1&x=é#top", "https://example.org/story?id=1&x=%C3%A9#top"),
    ("https://example.org/100%/done", "https://example.org/100%25/done"),
    ("  http://example.org/story  ", "http://example.org/story"),
    ("https://münchen.example/", "https://xn--mnchen-3ya.example/"),
])
def test_safe_url(url, expected):
    assert safe_url(url) == expected


def test_a_javascript_og_url_is_not_published_anywhere(tmp_path):
    show = tmp_path / "show"
    cfg = write_show(show)
    bad = "javascript:alert(document.domain)//https://x"
    quoted = "https://example.org/q&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"  # reads as q"><script>
    (show / "sources" / "a-bad.html").write_text(PAGE.format(title="Harbour bridge reopens", url=bad), "utf-8")
    (show / "sources" / "b-quoted.html").write_text(PAGE.format(title="Second bridge story today", url=quoted), "utf-8")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "make", "--date", "2026-11-20"])
    assert result.exit_code == 0, result.output
    assert "a-bad.html: dropped its link 'javascript:alert(document.domain)//https://x': " \
           "not a well-formed http(s) URL" in result.output
    day = show / "output" / "2026-11-20"
    published = "".join(p.read_text("utf-8") for p in [*day.glob("*.json"), *day.glob("*.txt"), show / "output" / "feed.xml"])
    assert "javascript:" not in published.lower() and "alert(document" not in published
    assert "<script>" not in published and '"><' not in published
    chapters = json.loads((day / "briefing-2026-11-20.chapters.json").read_text("utf-8"))["chapters"]
    urls = [c.get("url") for c in chapters if "bridge" in c["title"].lower()]
    assert urls == [None, "https://example.org/q%22%3E%3Cscript%3Ealert(1)%3C/script%3E"]
    tagged = [c.url for c in read_chapters(day / "briefing-2026-11-20.mp3") if "bridge" in c.title.lower()]
    assert tagged == urls
