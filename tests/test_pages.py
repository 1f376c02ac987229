"""The episode and show pages without a browser: markup, escaping, links, and how make writes them."""

from __future__ import annotations

import threading
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import feedparser
import pytest
from conftest import BRIDGE_TEXT
from showkit import make
from showkit import show as silent_show

from briefing.publish import pages
from briefing.publish import serve
from briefing.config import Show
from briefing.models import Chapter, Cue, Episode
from briefing.state import EpisodeRow

EVIL = 'Harbour <b>bridge</b> "reopens" <script>alert(1)</script> & more'
SHOW = Show(title="Dispatch <i>", author="Desk", description="News & <em>views</em>", language="en",
            base_url="https://example.org/pod/", website="https://example.org/pod/", email="", category="News",
            subcategory="", explicit=False, image=None)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text, of a page."""

    def __init__(self, page: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def episode(**kw) -> Episode:
    cues = (Cue(0, 4, "Intro."), Cue(5, 8, EVIL), Cue(9, 12, "We are back,", "Maria <Lopez>"), Cue(13, 15, "Bye."))
    chapters = (Chapter("Introduction", 0, 5), Chapter(EVIL, 5, 13, "javascript:alert(1)"),
                Chapter("Second", 13, 16, "https://example.org/a?x=1&y=2"))
    return Episode(date="2026-11-20", title=EVIL, mp3="/o/2026-11-20/briefing-2026-11-20.mp3", duration=16.2,
                   size=1000, chapters=chapters, cues=cues, articles=(), **kw)


def test_markup_in_headlines_and_names_is_text():
    page = pages.episode_html(SHOW, episode())
    parsed = Tags(page)
    assert [t for t, _ in parsed.tags].count("script") == 1  # page.js only
    assert not any(t in ("b", "i", "em") for t, _ in parsed.tags)
    text = "".join(parsed.text)
    assert EVIL in text and "Maria <Lopez>" in text and "Dispatch <i>" in text


def test_only_web_links_are_linked_and_everything_else_is_relative():
    parsed = Tags(pages.episode_html(SHOW, episode()))
    hrefs = [a.get("href") or a.get("src") for t, a in parsed.tags if t in ("a", "link", "script", "audio", "img")]
    assert "javascript:alert(1)" not in hrefs
    assert "https://example.org/a?x=1&y=2" in hrefs  # unescaped back by the parser: it was escaped
    own = [h for h in hrefs if not h.startswith("https://example.org/a")]
    assert own and all("://" not in h and not h.startswith("/") for h in own), own
    (audio,) = [a for t, a in parsed.tags if t == "audio"]
    assert audio["src"] == "briefing-2026-11-20.mp3"


def test_csp_allows_only_the_pages_own_files():
    (meta,) = [a for t, a in Tags(pages.episode_html(SHOW, episode())).tags
               if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    policy = dict(p.strip().split(" ", 1) for p in meta["content"].split(";"))
    assert policy["default-src"] == "'none'"
    for kind in ("script-src", "style-src", "img-src", "media-src"):
        assert policy[kind] == "'self'"
    page = pages.episode_html(SHOW, episode())
    assert " style=" not in page and " on" not in page.replace(" one", "")  # no inline style or handlers


def test_chapters_and_segments_seek_without_script_through_media_fragments():
    parsed = Tags(pages.episode_html(SHOW, episode()))
    seeks = [a for t, a in parsed.tags if t == "a" and "seek" in a.get("class", "")]
    assert seeks[1]["href"] == "briefing-2026-11-20.mp3#t=5.000" and seeks[1]["data-start"] == "5.000"
    cues = [a for t, a in parsed.tags if t == "li" and "cue" in a.get("class", "")]
    assert [(c["data-start"], c["data-end"]) for c in cues][2] == ("9.000", "12.000")


def test_speakers_come_from_the_script_roles():
    roles = [{"role": "narrator"}, {"role": "narrator"}, {"role": "quote"}, {"role": "quote"}]
    text = "".join(Tags(pages.episode_html(SHOW, episode(), roles=roles)).text)
    assert "Narrator Intro." in text.replace("0:00 ", "")
    assert pages.QUOTED in text  # the last cue: a quote nobody was named for


def test_show_page_lists_episodes_newest_first_with_subscribe_links():
    rows = [EpisodeRow(d, f"g{d}", f"Ep {d}", f"{d}/b.mp3", 1, 61.0, "2026-01-01T00:00:00+00:00", 0, [],
                       {"page": f"{d}/index.html"} if d != "2026-11-19" else {})
            for d in ("2026-11-21", "2026-11-20", "2026-11-19")]
    page = pages.show_html(SHOW, rows, feed_url="https://example.org/pod/feed.xml", cover="cover.jpg")
    parsed = Tags(page)
    links = [a["href"] for t, a in parsed.tags if t == "a"]
    assert links[-3:] == ["2026-11-21/index.html", "2026-11-20/index.html", "2026-11-19/b.mp3"]
    assert "podcast://example.org/pod/feed.xml" in links
    assert "https://example.org/pod/feed.xml" in links
    (field,) = [a for t, a in parsed.tags if t == "input"]
    assert field["value"] == "https://example.org/pod/feed.xml"
    assert ("img", {"class": "cover", "src": "cover.jpg", "alt": "", "width": "160", "height": "160"}) in parsed.tags
    assert "News & <em>views</em>" in "".join(parsed.text)


@pytest.fixture
def made(tmp_path):
    config = silent_show(tmp_path, '[sources]\npaths = ["sources"]')
    (tmp_path / "sources" / "bridge.txt").write_text(BRIDGE_TEXT, encoding="utf-8")
    result = make(config, "--date", "2026-11-20")
    assert result.exit_code == 0, result.output
    return config, tmp_path / "output"


def test_make_writes_both_pages_and_links_them_from_the_feed(made):
    _, out = made
    page = (out / "2026-11-20" / "index.html").read_text("utf-8")
    text = "".join(Tags(page).text)
    assert "Maria Lopez" in text
    segments = [t for t, a in Tags(page).tags if t == "li" and "cue" in a.get("class", "")]
    assert len(segments) == len((out / "2026-11-20" / "briefing-2026-11-20.txt").read_text("utf-8").splitlines())
    assert (out / "page.css").is_file() and (out / "page.js").is_file()
    show_page = (out / "index.html").read_text("utf-8")
    assert 'href="2026-11-20/index.html"' in show_page
    parsed = feedparser.parse((out / "feed.xml").read_bytes())
    assert parsed.feed.link == "http://127.0.0.1:8000/pod/"  # the show page
    assert parsed.entries[0].link == "http://127.0.0.1:8000/pod/2026-11-20/index.html"


def test_a_failed_run_leaves_the_pages_and_a_remake_rewrites_its_page(made):
    config, out = made
    before = {p: p.read_bytes() for p in (out / "index.html", out / "2026-11-20" / "index.html")}
    result = make(config, "--date", "2026-11-20", str(out.parent / "missing.html"))
    assert result.exit_code == 1
    assert {p: p.read_bytes() for p in before} == before
    (out.parent / "sources" / "bridge.txt").write_text(BRIDGE_TEXT.replace("Harbour bridge", "Old pier"), "utf-8")
    assert make(config, "--date", "2026-11-20").exit_code == 0
    assert "Old pier reopens" in (out / "2026-11-20" / "index.html").read_text("utf-8")


def test_retention_removes_an_old_page_and_the_show_page_drops_it(tmp_path):
    config = silent_show(tmp_path, '[sources]\npaths = ["sources"]', "[feed]\nkeep_episodes = 1\n")
    src = tmp_path / "sources" / "bridge.txt"
    src.write_text(BRIDGE_TEXT, encoding="utf-8")
    assert make(config, "--date", "2026-11-20").exit_code == 0
    src.write_text(BRIDGE_TEXT.replace("Harbour bridge", "Old pier"), encoding="utf-8")
    assert make(config, "--date", "2026-11-21").exit_code == 0
    out = tmp_path / "output"
    assert not (out / "2026-11-20").exists()
    show_page = (out / "index.html").read_text("utf-8")
    assert "2026-11-21/index.html" in show_page and "2026-11-20" not in show_page


def test_serve_serves_the_show_page_and_episode_folders(made):
    _, out = made
    server = serve.make_server(out, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        def get(path):
            return urllib.request.urlopen(server.url + path, timeout=5)

        with get("") as r:
            assert r.read() == (out / "index.html").read_bytes()
        with get("2026-11-20/") as r:
            assert r.headers["Content-Type"] == "text/html; charset=utf-8"
            assert r.read() == (out / "2026-11-20" / "index.html").read_bytes()
        with get("2026-11-20") as r:  # redirected to the folder, so relative links resolve
            assert r.url.endswith("/2026-11-20/")
        with get("page.css") as r:
            assert r.headers["Content-Type"] == "text/css; charset=utf-8"
        with get("page.js") as r:
            assert r.headers["Content-Type"] == "text/javascript; charset=utf-8"
        with pytest.raises(urllib.error.HTTPError) as e:
            get("nowhere/")
        assert e.value.code == 404
    finally:
        server.shutdown()
        server.server_close()


def _browser_tests_without_chromium(tmp_path, ci: bool):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PATH"] = str(Path(sys.executable).parent)  # no chromium, no chromedriver
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "duration",
         str(Path(__file__).with_name("test_pages_browser.py"))],
        env=env, capture_output=True, text=True, cwd=tmp_path, timeout=300, check=False,
    )


def test_without_chromium_the_summary_names_the_browser_tests_and_the_install_command(tmp_path):
    run = _browser_tests_without_chromium(tmp_path, ci=False)
    assert run.returncode == 0, run.stdout
    assert "browser tests not run" in run.stdout
    assert "not run: tests/test_pages_browser.py::test_player_duration_is_the_mp3s" in run.stdout
    assert "apt-get install -y chromium chromium-driver" in run.stdout


def test_under_ci_missing_chromium_fails_the_browser_tests(tmp_path):
    run = _browser_tests_without_chromium(tmp_path, ci=True)
    assert run.returncode != 0
    assert "browser tests must run under CI" in run.stdout
