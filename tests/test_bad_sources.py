"""Every bad input: one clear line, the briefing made from the rest, earlier episodes intact.

Each scenario runs `briefing make` (through click's runner) on a show that already published
one episode, with one good new source and the bad one. The state database and the earlier
episode's files are inspected afterwards.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import zlib
from pathlib import Path

import feedparser
import pytest

from briefing.speech import engines
from localserver import LocalServer, closed_port, slow
from showkit import article, briefed, db, episodes, make, rss, script, show, story

EARLIER = "2026-03-01"
TODAY = "2026-03-02"


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """One show with one published episode (EARLIER), made once and copied into each test."""
    folder = tmp_path_factory.mktemp("published")
    home = folder / "home"
    old = os.environ.get("BRIEFING_HOME")
    os.environ["BRIEFING_HOME"] = str(home)
    try:
        with LocalServer() as s:
            s.page("/first", story(1))
            config = show(folder / "show", "[sources]\npaths = []")
            result = make(config, "--date", EARLIER, s.url("/first"))
            assert result.exit_code == 0, result.output
    finally:
        if old is None:
            del os.environ["BRIEFING_HOME"]
        else:
            os.environ["BRIEFING_HOME"] = old
    return folder


@pytest.fixture
def published(tmp_path, server, briefing_home, template):
    """A copy of the template show in tmp_path, and a good new story at /good."""
    server.page("/good", story(2))
    shutil.copytree(template / "show", tmp_path, dirs_exist_ok=True)
    shutil.copytree(template / "home", briefing_home, dirs_exist_ok=True)
    mp3 = tmp_path / "output" / EARLIER / f"briefing-{EARLIER}.mp3"
    return tmp_path / "briefing.toml", hashlib.sha256(mp3.read_bytes()).hexdigest()


def check_earlier_intact(tmp_path: Path, home: Path, mp3_hash: str) -> None:
    mp3 = tmp_path / "output" / EARLIER / f"briefing-{EARLIER}.mp3"
    assert hashlib.sha256(mp3.read_bytes()).hexdigest() == mp3_hash
    assert EARLIER in [d for d, _ in episodes(home)]
    assert (EARLIER, "Story number 1 makes the news") in briefed(home)
    parsed = feedparser.parse((tmp_path / "output" / "feed.xml").read_bytes())
    assert not parsed.bozo and any(e.title.endswith("1 March 2026") for e in parsed.entries)
    assert not list((tmp_path / "output").rglob(".*.part"))


def bomb() -> bytes:
    z = zlib.compressobj(6, zlib.DEFLATED, 31)
    return b"".join(z.compress(b"\0" * 2**20) for _ in range(64)) + z.flush()


def huge(req):
    def chunks():
        for _ in range(100 * 16):
            yield b"<p>" + b"x" * 65530 + b"</p>"
    return 200, {"Content-Type": "text/html"}, chunks()


CLUTTER = ("<html><body><nav><a href='/'>Home</a><a href='/news'>News</a><a href='/sport'>Sport</a></nav>"
           "<div class='cookie'>We use cookies to improve your experience. Accept all cookies.</div>"
           "<footer>Subscribe to our newsletter. Follow us on social media. Copyright 2026.</footer></body></html>")

# name -> (route setup returning the bad URL, expected reason after "skipped  <url>: ")
NETWORK = {
    "unreachable host": (lambda s: f"http://127.0.0.1:{closed_port()}/story", "cannot connect"),
    "DNS failure": (lambda s: "http://no-such-newsroom.invalid/story",
                    "cannot find the host no-such-newsroom.invalid (DNS lookup failed); check the address"),
    "slow server": (lambda s: (s.routes.__setitem__("/slow", slow(3)), s.url("/slow"))[1],
                    "timed out waiting for the server (no data for 0.5 s)"),
    "404": (lambda s: s.page("/gone", "<h1>Not here</h1>", status=404), "the server answered HTTP 404 Not Found"),
    "500": (lambda s: s.page("/err", "oops", status=500), "the server answered HTTP 500 Internal Server Error"),
    "redirect loop": (lambda s: (s.page("/r1", "", status=302, headers={"Location": "/r2"}),
                                 s.page("/r2", "", status=302, headers={"Location": "/r1"}))[0],
                      "more than 5 redirects (a redirect loop?)"),
    "100 MB body": (lambda s: (s.routes.__setitem__("/huge", huge), s.url("/huge"))[1],
                    "the response is over 5 MB (after decompression); not an article page or feed"),
    "gzip bomb": (lambda s: s.page("/bomb", bomb(), headers={"Content-Encoding": "gzip"}),
                  "the response is over 5 MB (after decompression); not an article page or feed"),
    "PDF": (lambda s: s.page("/paper.pdf", b"%PDF-1.7\n...", content_type="application/pdf"),
            "the link is a PDF (application/pdf), not an article page or feed; skipped"),
    "image": (lambda s: s.page("/photo", b"\x89PNG\r\n\x1a\n....", content_type="image/png"),
              "the link is an image (image/png), not an article page or feed; skipped"),
    "malformed feed": (lambda s: s.page("/bad.rss", "<?xml version='1.0'?><rss><channel><item><title>x</ti",
                                        content_type="application/rss+xml"),
                       "not a valid RSS or Atom feed"),
    "feed with no items": (lambda s: s.page("/empty.rss", rss("Quiet", []), content_type="application/rss+xml"),
                           "the feed has no items today"),
    "HTML with no text": (lambda s: s.page("/blank", "<html><head><title>x</title></head><body><div></div></body></html>"),
                          "no article found"),
    "a page of clutter only": (lambda s: s.page("/clutter", CLUTTER), "no article found"),
    "garbage bytes": (lambda s: s.page("/garbage", bytes(range(256)) * 64, content_type="text/html"),
                      "binary file"),
}


@pytest.mark.parametrize("name", list(NETWORK))
def test_a_bad_url_is_skipped_and_the_rest_is_briefed(name, tmp_path, server, published, briefing_home):
    config, mp3_hash = published
    bad = NETWORK[name][0](server)
    result = make(config, "--date", TODAY, server.url("/good"), bad)
    assert result.exit_code == 3, result.output
    skipped = [line for line in result.output.splitlines() if line.startswith("  skipped  ")]
    assert len(skipped) == 1, result.output
    assert skipped[0].startswith(f"  skipped  {bad}: ")
    assert NETWORK[name][1] in skipped[0]
    # the episode was made from the good story only, and recorded with it only
    assert [a["title"] for a in script(tmp_path, TODAY)["articles"]] == ["Story number 2 makes the news"]
    assert (TODAY, "Story number 2 makes the news") in briefed(briefing_home)
    assert len(briefed(briefing_home)) == 2
    check_earlier_intact(tmp_path, briefing_home, mp3_hash)


FILES = {
    "empty file": ("empty.html", b"", "no article found"),
    "binary file": ("photo.html", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "PNG"),
    "random binary": ("noise.txt", bytes((i * 7919) % 256 for i in range(20000)), "binary file"),
    "missing file": ("nothing-here.html", None, "file not found. Check the path"),
    "malformed feed file": ("broken.rss", b"<?xml version='1.0'?><rss><channel><item>", "not a valid RSS or Atom feed"),
}


@pytest.mark.parametrize("name", list(FILES))
def test_a_bad_file_is_skipped_and_the_rest_is_briefed(name, tmp_path, server, published, briefing_home):
    config, mp3_hash = published
    filename, content, reason = FILES[name]
    path = tmp_path / "sources" / filename
    if content is not None:
        path.write_bytes(content)
    result = make(config, "--date", TODAY, server.url("/good"), str(path))
    assert result.exit_code == 3, result.output
    (line,) = [x for x in result.output.splitlines() if x.startswith("  skipped  ")]
    assert line.startswith(f"  skipped  {path}: ") and reason in line, line
    assert len(briefed(briefing_home)) == 2
    check_earlier_intact(tmp_path, briefing_home, mp3_hash)


def test_when_every_source_fails_nothing_is_made_and_the_feed_is_untouched(tmp_path, server, published, briefing_home):
    config, mp3_hash = published
    feed_before = (tmp_path / "output" / "feed.xml").read_bytes()
    result = make(config, "--date", TODAY, server.url("/nope"), "http://down.invalid/")
    assert result.exit_code == 1
    assert "Error: nothing to brief: every source was skipped; the feed is unchanged" in result.output
    assert result.output.count("  skipped  ") == 2
    assert (tmp_path / "output" / "feed.xml").read_bytes() == feed_before
    assert [d for d, _ in episodes(briefing_home)] == [EARLIER]
    assert not (tmp_path / "output" / TODAY / f"briefing-{TODAY}.mp3").exists()
    check_earlier_intact(tmp_path, briefing_home, mp3_hash)


# --- pages that are odd but briefable: made, with the words intact -----------------------------

CAFE = "Le café du théâtre a rouvert à Noël, à la grande joie des habitués du quartier."


@pytest.mark.parametrize("declared", [True, False], ids=["charset declared", "no charset"])
def test_non_utf8_pages_are_decoded(declared, tmp_path, server, published, briefing_home):
    config, _ = published
    page = article("Réouverture du café", CAFE, CAFE.replace("café", "bistrot"), "Les propriétaires sont ravis.",
                   lang="fr", charset="windows-1252", meta=declared)
    ctype = "text/html; charset=windows-1252" if declared else "text/html"
    url = server.page("/fr", page.encode("cp1252"), content_type=ctype)
    result = make(config, "--date", TODAY, url)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "output" / TODAY / f"briefing-{TODAY}.txt").read_text("utf-8")
    assert "Le café du théâtre a rouvert à Noël" in text
    assert "\ufffd" not in text


def test_right_to_left_text_is_kept(tmp_path, server, published, briefing_home):
    config, _ = published
    arabic = "أعلنت البلدية اليوم افتتاح الجسر الجديد فوق النهر بعد سنتين من العمل المتواصل."
    hebrew = "העירייה הודיעה היום על פתיחת הגשר החדש מעל הנהר אחרי שנתיים של עבודה."
    url = server.page("/rtl", article("افتتاح الجسر الجديد", arabic, hebrew, arabic + " " + hebrew, lang="ar"))
    result = make(config, "--date", TODAY, url)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "output" / TODAY / f"briefing-{TODAY}.txt").read_text("utf-8")
    assert arabic in text and hebrew in text


def test_emoji_and_zero_width_characters_do_not_break_a_run(tmp_path, server, published, briefing_home):
    config, _ = published
    zw = "The\u200b mayor\u200d cut\u2060 the ribbon 🎉 and the crowd cheered 👏👏 loudly\ufeff at noon."
    url = server.page("/emoji", article("Ribbon cut 🎉 at the new library", zw, "Children read their first books there 📚.",
                                        "The library opens daily from nine."))
    result = make(config, "--date", TODAY, url)
    assert result.exit_code == 0, result.output
    data = script(tmp_path, TODAY)
    spoken = " ".join(s["spoken"] for s in data["segments"])
    assert "mayor" in spoken and "ribbon" in spoken and "library" in spoken


def test_a_book_length_article_is_cut_at_the_documented_cap(tmp_path, server, published, briefing_home):
    config, _ = published
    paragraph = ("The committee met again on the following morning and went through every clause of the "
                 "long report, line by line, until the chairman called for a short break before lunch. ")
    paragraphs = [f"Chapter {i}. " + paragraph * 3 for i in range(1, 1700)]  # about 100,000 words
    words = sum(len(p.split()) for p in paragraphs)
    assert words >= 100_000
    url = server.page("/book", article("The very long report", *paragraphs))
    result = make(config, "--date", TODAY, url)
    assert result.exit_code == 0, result.output
    (line,) = [x for x in result.output.splitlines() if "The very long report" in x and "words" in x]
    assert "([sources].max_words = 5000)" in line and "cut at " in line
    data = script(tmp_path, TODAY)
    (info,) = data["articles"]
    assert 4900 <= info["words"] <= 5000


# --- a segment the speech engine cannot say ---------------------------------------------------

class Flaky:
    """Silence, except for any text with "kaboom" in it (a synthesis error on one segment)."""

    id = "flaky"
    needs_network = False
    needs_key = False
    voice_options: dict = {}

    def version(self) -> str:
        return "flaky-1"

    def synthesize(self, text, voice):
        if "kaboom" in text:
            raise RuntimeError("model crashed on this sentence")
        return engines.get("silence").synthesize(text, voice)


def test_a_synthesis_error_on_one_segment_skips_that_article_only(tmp_path, server, briefing_home):
    engines.register("flaky", Flaky)
    server.page("/ok", story(5))
    server.page("/fails", article("A story the voice trips on", "This paragraph is fine to read aloud.",
                                  "But this one says kaboom, which the engine cannot say.",
                                  "And a third paragraph to make it an article."))
    config = show(tmp_path, "[sources]\npaths = []")
    config.write_text(config.read_text().replace('[voices.joe]\nengine = "silence"', '[voices.joe]\nengine = "flaky"'))
    result = make(config, "--date", TODAY, server.url("/ok"), server.url("/fails"))
    assert result.exit_code == 3, result.output
    (line,) = [x for x in result.output.splitlines() if x.startswith("  skipped  ")]
    assert line.startswith(f"  skipped  {server.url('/fails')}: speech engine 'flaky': failed on")
    assert "model crashed on this sentence" in line
    assert [a["title"] for a in script(tmp_path, TODAY)["articles"]] == ["Story number 5 makes the news"]
    assert briefed(briefing_home) == [(TODAY, "Story number 5 makes the news")]
