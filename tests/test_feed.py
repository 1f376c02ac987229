"""The podcast feed as podcast apps read it: every required tag, exact enclosures, episodes that
accumulate and expire, and text that stays valid XML whatever the articles contain."""

from __future__ import annotations

import html
import io
import json
import os
from pathlib import Path

import feedparser
import podcastparser
import pytest
from click.testing import CliRunner
from lxml import etree

from briefing import config
from briefing.publish import feed
from briefing import state
from briefing.cli import cli
from briefing.state import EpisodeRow
from briefing.audio.tags import read_chapters
from conftest import write_show

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
}
ARTICLE = """<!doctype html>
<html><head><title>{title} | Coast News</title>
<meta property="og:site_name" content="Coast News">
<link rel="canonical" href="https://news.example.org/{slug}?a=1&amp;b=2"></head>
<body><article><h1>{title}</h1>
<p class="byline">By Ana Ruiz &amp; Jo O'Neil</p>
<p>The harbour bridge reopened to traffic on Monday after three months of repairs to its
steel deck, the city council said.</p>
<p>“We are delighted to have the bridge back,” said Maria Lopez, the council's head of
transport. “Drivers will notice a much smoother crossing.”</p>
<p>The work cost less than expected and finished a week early.</p>
</article></body></html>
"""
HOSTILE_SHOW = 'Q&A <Live> "Daily" \u2019s 😀 \u05d7\u05d3\u05e9\u05d5\u05ea\u0007'
HOSTILE_SHOW_CLEAN = 'Q&A <Live> "Daily" \u2019s 😀 \u05d7\u05d3\u05e9\u05d5\u05ea'


def _settings(tmp_path, **show):
    data = config._defaults()
    data["show"].update({"title": "Test Show", "author": "Test Desk", "email": "test@example.org",
                         "base_url": "https://pod.example.org/briefing/"}, **show)
    return config.from_dict(data, root=tmp_path)


def _row(day: str, number: int, **kw) -> EpisodeRow:
    base = dict(
        date=day, guid=f"briefing-x-{day}", title=f"Test Show, {day}", mp3=f"{day}/briefing-{day}.mp3",
        size=123456, duration=187.6, published=f"{day}T06:00:00+00:00", number=number,
        notes=[{"title": "Harbour bridge reopens", "byline": "Ana Ruiz", "url": "https://news.example.org/bridge",
                "source": "sources/bridge.html"},
               {"title": "Local notes", "byline": None, "url": None, "source": "sources/notes.txt"}],
        files={"transcript": f"{day}/briefing-{day}.vtt", "chapters": f"{day}/briefing-{day}.chapters.json"},
    )
    base.update(kw)
    return EpisodeRow(**base)


def test_feed_has_every_tag_podcast_apps_need(tmp_path):
    settings = _settings(tmp_path)
    rows = [_row("2026-11-21", 2), _row("2026-11-20", 1)]
    data = feed.build(settings.show, rows, cover="cover.jpg")
    root = etree.fromstring(data)  # strict XML parse
    ch = root.find("channel")
    assert root.get("version") == "2.0"
    assert ch.findtext("title") == "Test Show"
    assert ch.findtext("link") == "https://pod.example.org/briefing/"
    assert ch.findtext("description") == "A spoken news briefing."
    assert ch.findtext("language") == "en"
    assert ch.find("atom:link", NS).get("href") == "https://pod.example.org/briefing/feed.xml"
    assert ch.findtext("itunes:author", namespaces=NS) == "Test Desk"
    assert ch.findtext("itunes:owner/itunes:name", namespaces=NS) == "Test Desk"
    assert ch.findtext("itunes:owner/itunes:email", namespaces=NS) == "test@example.org"
    assert ch.find("itunes:image", NS).get("href") == "https://pod.example.org/briefing/cover.jpg"
    cat = ch.find("itunes:category", NS)
    assert cat.get("text") == "News" and cat.find("itunes:category", NS).get("text") == "Daily News"
    assert ch.findtext("itunes:explicit", namespaces=NS) == "no"
    assert ch.findtext("itunes:type", namespaces=NS) == "episodic"

    items = ch.findall("item")
    assert [i.findtext("itunes:episode", namespaces=NS) for i in items] == ["2", "1"]  # newest first
    item = items[0]
    assert item.findtext("title") == "Test Show, 2026-11-21"
    guid = item.find("guid")
    assert guid.text == "briefing-x-2026-11-21" and guid.get("isPermaLink") == "false"
    enc = item.find("enclosure")
    assert enc.attrib == {"url": "https://pod.example.org/briefing/2026-11-21/briefing-2026-11-21.mp3",
                          "length": "123456", "type": "audio/mpeg"}
    assert item.findtext("pubDate") == "Sat, 21 Nov 2026 06:00:00 +0000"
    assert item.findtext("itunes:duration", namespaces=NS) == "188"
    notes = item.findtext("description")
    assert '<a href="https://news.example.org/bridge">Harbour bridge reopens</a> — by Ana Ruiz' in notes
    assert "<li>Local notes</li>" in notes
    tr = item.find("podcast:transcript", NS)
    assert tr.attrib == {"url": "https://pod.example.org/briefing/2026-11-21/briefing-2026-11-21.vtt",
                         "type": "text/vtt", "language": "en"}
    chap = item.find("podcast:chapters", NS)
    assert chap.attrib == {"url": "https://pod.example.org/briefing/2026-11-21/briefing-2026-11-21.chapters.json",
                           "type": "application/json+chapters"}

    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "Test Show"
    assert parsed.feed.image.href == "https://pod.example.org/briefing/cover.jpg"
    assert [e.id for e in parsed.entries] == ["briefing-x-2026-11-21", "briefing-x-2026-11-20"]
    assert parsed.entries[0].enclosures[0].length == "123456"
    assert parsed.entries[0].itunes_episode == "2"

    pod = podcastparser.parse(settings.show.base_url + "feed.xml", io.BytesIO(data))
    assert pod["title"] == "Test Show" and pod["itunes_author"] == "Test Desk"
    assert pod["cover_url"] == "https://pod.example.org/briefing/cover.jpg"
    assert pod["itunes_categories"] == [["News", "Daily News"]]
    assert pod["explicit"] is False and pod["type"] == "episodic"
    assert pod["itunes_owner"] == {"name": "Test Desk", "email": "test@example.org"}
    ep = pod["episodes"][0]
    assert ep["guid"] == "briefing-x-2026-11-21" and ep["number"] == 2 and ep["total_time"] == 188
    assert ep["enclosures"] == [{"url": enc.get("url"), "file_size": 123456, "mime_type": "audio/mpeg"}]
    assert "Harbour bridge reopens — by Ana Ruiz\nhttps://news.example.org/bridge" in ep["description"]


def test_owner_without_email_still_has_a_name(tmp_path):
    settings = _settings(tmp_path, email="")
    root = etree.fromstring(feed.build(settings.show, [_row("2026-11-20", 1)]))
    owner = root.find("channel/itunes:owner", NS)
    assert owner.findtext("itunes:name", namespaces=NS) == "Test Desk"
    assert owner.find("itunes:email", NS) is None


def test_hostile_text_is_valid_xml_and_reads_back(tmp_path):
    nasty = 'Tom & Jerry <script>alert("x")</script> \u2018q\u2019 😀 \u202b\u05e9\u05dc\u05d5\u05dd\u202c\x00\x0b\x1b\ud800'
    readable = 'Tom & Jerry <script>alert("x")</script> \u2018q\u2019 😀 \u202b\u05e9\u05dc\u05d5\u05dd\u202c'
    settings = _settings(tmp_path, title=nasty, author=nasty, description=nasty)
    row = _row("2026-11-20", 1, title=nasty,
               notes=[{"title": nasty, "byline": nasty, "url": 'https://e.org/?q="<&>"', "source": "x"}])
    data = feed.build(settings.show, [row])
    etree.fromstring(data)
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == readable
    assert parsed.entries[0].title == readable
    pod = podcastparser.parse("https://pod.example.org/feed.xml", io.BytesIO(data))
    assert pod["title"] == readable and pod["itunes_author"] == readable
    assert pod["episodes"][0]["title"] == readable
    notes = pod["episodes"][0]["description_html"]
    assert html.escape(readable, quote=False) in notes
    assert "<script>" not in notes  # article text is shown as text, never as markup
    assert 'href="https://e.org/?q=%22%3C&amp;%3E%22"' in notes  # percent-encoded to RFC 3986


def test_prune_keeps_the_newest_episodes_and_days(tmp_path):
    with state.connect(tmp_path / "s.db") as conn:
        for n, day in enumerate(["2026-11-01", "2026-11-10", "2026-11-12", "2026-11-13"], start=1):
            state.upsert_episode(conn, _row(day, n))
        assert state.prune_episodes(conn) == []
        gone = state.prune_episodes(conn, keep_days=2)  # within two days of the newest, 13th
        assert [r.date for r in gone] == ["2026-11-01", "2026-11-10"]
        gone = state.prune_episodes(conn, keep_episodes=1)
        assert [r.date for r in gone] == ["2026-11-12"]
        assert [r.date for r in state.episodes(conn)] == ["2026-11-13"]


# --- end to end, through `briefing make` with the silent engine ---------------------------------


def _make(cfg: Path, day: str, *sources: str):
    result = CliRunner().invoke(cli, ["--config", str(cfg), "make", "--date", day, *sources])
    assert result.exit_code == 0, result.output
    return result


def _article(folder: Path, name: str, title: str) -> str:
    path = folder / "sources" / f"{name}.html"
    path.write_text(ARTICLE.format(title=title, slug=name), encoding="utf-8")
    return str(path)


def _feed(folder: Path) -> bytes:
    return (folder / "output" / "feed.xml").read_bytes()


def test_make_publishes_a_feed_whose_files_match_it(tmp_path):
    cfg = write_show(tmp_path)
    # a TOML basic string (JSON's escapes are TOML's), so the control character is really there
    text = cfg.read_text("utf-8").replace("title = 'Test Show'", "title = " + json.dumps(HOSTILE_SHOW, ensure_ascii=False))
    assert "\\u0007" in text
    cfg.write_text(text, "utf-8")
    src = _article(tmp_path, "bridge", "Bridge &amp; tunnel &lt;reopen&gt; \u201cearly\u201d 😀 \u05e9\u05dc\u05d5\u05dd")
    _make(cfg, "2026-11-20", src)
    out = tmp_path / "output"
    data = _feed(tmp_path)
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == HOSTILE_SHOW_CLEAN
    (entry,) = parsed.entries
    assert entry.title == f"{HOSTILE_SHOW_CLEAN}, Friday 20 November 2026"

    base = "http://127.0.0.1:8000/pod/"
    enc = entry.enclosures[0]
    mp3 = out / "2026-11-20" / "briefing-2026-11-20.mp3"
    assert enc.href == base + "2026-11-20/briefing-2026-11-20.mp3"
    assert int(enc.length) == mp3.stat().st_size and enc.type == "audio/mpeg"
    assert (out / "cover.jpg").is_file()

    root = etree.fromstring(data)
    item = root.find("channel/item")
    assert root.find("channel/itunes:image", NS).get("href") == base + "cover.jpg"
    vtt_url = item.find("podcast:transcript", NS).get("url")
    json_url = item.find("podcast:chapters", NS).get("url")
    vtt = out / vtt_url.removeprefix(base)
    chapters_json = out / json_url.removeprefix(base)
    assert vtt.read_text("utf-8").startswith("WEBVTT\n")
    doc = json.loads(chapters_json.read_text("utf-8"))

    # one chapter per article plus intro and outro, the same in the MP3 as in the JSON
    script = json.loads((out / "2026-11-20" / "briefing-2026-11-20.json").read_text("utf-8"))
    article_title = script["articles"][0]["title"]
    assert [c["title"] for c in doc["chapters"]] == ["Introduction", article_title, "Outro"]
    assert [(c.title, c.start_ms, c.end_ms) for c in read_chapters(mp3)] == [
        (c["title"], round(c["startTime"] * 1000), round(c["endTime"] * 1000)) for c in doc["chapters"]
    ]
    # the hostile headline reads back as text in the show notes
    assert "😀" in article_title and "&" in article_title
    assert html.escape(article_title, quote=False) in item.findtext("description")
    assert article_title in html.unescape(entry.description)

    # the transcript has a cue for each segment, timed within the episode
    cues = [b for b in vtt.read_text("utf-8").split("\n\n")[1:] if b.strip()]
    assert len(cues) == len(script["segments"])
    assert float(doc["chapters"][-1]["endTime"]) == pytest.approx(float(entry.itunes_duration), abs=1)


def test_episodes_accumulate_replace_by_date_and_expire(tmp_path):
    cfg = write_show(tmp_path, extra="[feed]\nkeep_episodes = 2\n")
    out = tmp_path / "output"
    _make(cfg, "2026-11-20", _article(tmp_path, "a", "First story"))
    first = feedparser.parse(_feed(tmp_path)).entries[0].id

    _make(cfg, "2026-11-20", _article(tmp_path, "b", "Second story"))  # same date again
    entries = feedparser.parse(_feed(tmp_path)).entries
    assert len(entries) == 1 and entries[0].id == first
    assert "Second story" in entries[0].description and "First story" not in entries[0].description

    _make(cfg, "2026-11-21", _article(tmp_path, "c", "Third story"))
    _make(cfg, "2026-11-22", _article(tmp_path, "d", "Fourth story"))
    entries = feedparser.parse(_feed(tmp_path)).entries
    assert [e.itunes_episode for e in entries] == ["3", "2"]  # newest first; the 20th expired
    assert [e.title.rsplit(", ", 1)[1] for e in entries] == ["Sunday 22 November 2026", "Saturday 21 November 2026"]
    assert not (out / "2026-11-20").exists()  # audio, transcript, chapters and scripts gone with it
    assert sorted(p.name for p in (out / "2026-11-21").iterdir()) == [
        "briefing-2026-11-21.chapters.json", "briefing-2026-11-21.json", "briefing-2026-11-21.mp3",
        "briefing-2026-11-21.txt", "briefing-2026-11-21.vtt", "index.html",
    ]
    assert not [p for p in out.rglob(".*")]  # no temporaries left behind
    # a web server running as another user can read everything published
    assert {oct(p.stat().st_mode & 0o777) for p in out.rglob("*") if p.is_file()} == {"0o644"}


def test_a_bad_retention_setting_fails_before_synthesis(tmp_path):
    cfg = write_show(tmp_path, extra="[feed]\nkeep_episodes = -1\n")
    src = _article(tmp_path, "a", "A story")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "make", src])
    assert result.exit_code == 1
    assert f"Error: {cfg}: [feed].keep_episodes must be a whole number, 0 for no limit; got -1" in result.output
    assert not (tmp_path / "output" / "feed.xml").exists()


def test_a_wrong_cover_image_fails_before_synthesis(tmp_path):
    from PIL import Image

    Image.new("RGB", (800, 600)).save(tmp_path / "art.png")
    cfg = write_show(tmp_path)
    cfg.write_text(cfg.read_text("utf-8").replace('language = "en"', 'language = "en"\nimage = "art.png"'), "utf-8")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "make", _article(tmp_path, "a", "A story")])
    assert result.exit_code == 1
    assert f"[show].image {tmp_path / 'art.png'} is 800x600 px; podcast apps need a square image" in result.output
