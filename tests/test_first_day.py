"""A producer's first day (issue 24): drafts, repeats judged by date, `briefing init`, small points."""

from __future__ import annotations

import hashlib
from pathlib import Path

from click.testing import CliRunner

from briefing.cli import cli
from conftest import BRIDGE_TEXT
from showkit import briefed, make, show, story


def _hashes(folder: Path, home: Path) -> dict[str, str]:
    """Every published file and the state database, by content."""
    files = [p for p in folder.joinpath("output").rglob("*") if p.is_file() and "drafts" not in p.parts]
    files.append(home / "state.sqlite3")
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _sources(tmp_path: Path, n: int) -> list[str]:
    paths = []
    for k in range(1, n + 1):
        p = tmp_path / "sources" / f"story{k}.html"
        p.write_text(story(k), encoding="utf-8")
        paths.append(str(p))
    return paths


def test_no_publish_makes_a_draft_and_leaves_everything_published_alone(tmp_path, briefing_home):
    cfg = show(tmp_path)
    three = _sources(tmp_path, 3)
    assert make(cfg, "--date", "2026-12-02").exit_code == 0
    before = _hashes(tmp_path, briefing_home)
    one = tmp_path / "one.txt"
    one.write_text(BRIDGE_TEXT, encoding="utf-8")

    result = make(cfg, "--date", "2026-12-02", "--no-publish", str(one))
    assert result.exit_code == 0, result.output
    draft = tmp_path / "output" / "drafts" / "2026-12-02"
    assert (draft / "briefing-2026-12-02.mp3").stat().st_size > 0
    assert {p.name for p in draft.iterdir()} >= {"briefing-2026-12-02.json", "briefing-2026-12-02.txt",
                                                  "briefing-2026-12-02.vtt", "briefing-2026-12-02.chapters.json"}
    assert f"draft in {draft.resolve()}: nothing was published" in result.output
    assert "feed:" not in result.output
    assert _hashes(tmp_path, briefing_home) == before
    assert len(three) == 3


def test_no_publish_out_puts_the_draft_where_asked(tmp_path, briefing_home):
    cfg = show(tmp_path)
    one = tmp_path / "one.txt"
    one.write_text(BRIDGE_TEXT, encoding="utf-8")
    out = tmp_path / "scratch"
    result = make(cfg, "--no-publish", "--out", str(out), str(one))
    assert result.exit_code == 0, result.output
    assert list(out.glob("briefing-*.mp3"))
    assert not (tmp_path / "output" / "feed.xml").exists()
    assert not (briefing_home / "state.sqlite3").exists() or briefed(briefing_home) == []


def test_out_without_no_publish_is_refused(tmp_path):
    cfg = show(tmp_path)
    result = make(cfg, "--out", str(tmp_path / "x"))
    assert result.exit_code == 2
    assert "--out is for drafts: add --no-publish" in result.output


def test_a_later_date_does_not_block_an_earlier_one(tmp_path, briefing_home):
    cfg = show(tmp_path)
    [src] = _sources(tmp_path, 1)
    assert make(cfg, "--date", "2026-12-03", src).exit_code == 0
    result = make(cfg, "--date", "2026-12-02", src)
    assert result.exit_code == 0, result.output
    assert "already briefed" not in result.output
    # state keeps one row per story (url and text), now under the earliest date that briefed it
    assert briefed(briefing_home) == [("2026-12-02", "Story number 1 makes the news")]
    # The later date is still judged against the earlier one.
    again = make(cfg, "--date", "2026-12-04", src)
    assert "already briefed on 2026-12-02" in again.output


def test_one_quote_is_one_quote(tmp_path):
    cfg = show(tmp_path)
    one = tmp_path / "one.txt"
    one.write_text(BRIDGE_TEXT.replace(" “Drivers will notice a much smoother crossing.”", ""), encoding="utf-8")
    result = make(cfg, str(one))
    assert result.exit_code == 0, result.output
    assert "1 quote," in result.output
    assert "1 quotes" not in result.output


def test_init_starts_a_show_that_makes_a_draft(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["init", "myshow"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"wrote {Path('myshow') / 'briefing.toml'}",
        f"wrote {Path('myshow') / 'sources' / 'example.txt'}",
        "Next: cd myshow && briefing make --no-publish   (a draft from sources/, nothing published)",
    ]
    cfg = tmp_path / "myshow" / "briefing.toml"
    assert "# " in cfg.read_text() and "defaults.toml" in cfg.read_text()
    # The new file passes every check; with the silent engine it makes a draft at once.
    from conftest import SILENT_CAST

    cfg.write_text(cfg.read_text() + SILENT_CAST, encoding="utf-8")
    made = make(cfg, "--no-publish")
    assert made.exit_code == 0, made.output
    assert list((tmp_path / "myshow" / "output" / "drafts").rglob("*.mp3"))


def test_init_refuses_to_overwrite(tmp_path):
    (tmp_path / "briefing.toml").write_text("[show]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == (f"Error: {tmp_path / 'briefing.toml'} already exists; briefing init never "
                             "overwrites a show. Choose another folder: briefing init NEW-FOLDER\n")
    assert (tmp_path / "briefing.toml").read_text() == "[show]\n"


def _local_feed(folder: Path, *links: str) -> Path:
    items = "".join(f"<item><title>Item {k}</title><link>{link}</link><description>Short.</description></item>"
                    for k, link in enumerate(links, 1))
    path = folder / "feeds" / "local.rss"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>'
                    f"<link>http://127.0.0.1/</link><description>d</description>{items}</channel></rss>",
                    encoding="utf-8")
    return path


def test_relative_links_in_a_local_feed_are_read_beside_it(tmp_path):
    cfg = show(tmp_path)
    feed = _local_feed(tmp_path, "bakery.html")
    (feed.parent / "bakery.html").write_text(story(7, "Bakery wins a prize"), encoding="utf-8")
    result = make(cfg, str(feed))
    assert result.exit_code == 0, result.output
    assert "Bakery wins a prize — " in result.output


def test_a_link_that_cannot_be_followed_is_named(tmp_path):
    cfg = show(tmp_path)
    feed = _local_feed(tmp_path, "missing.html", "mailto:desk@example.org")
    result = make(cfg, str(feed))
    assert result.exit_code == 1
    missing = feed.parent / "missing.html"
    assert f"skipped  Local: {missing}: linked from the feed {feed}: file not found. Check the path" in result.output
    assert "its link 'mailto:desk@example.org' cannot be followed (not a web address or a file beside the feed)" in result.output


def test_an_empty_sources_folder_is_named(tmp_path):
    cfg = show(tmp_path)  # sources/ exists, empty, and is the default [sources].paths
    result = make(cfg)
    assert result.exit_code == 1
    assert (f"Error: the sources folder {tmp_path / 'sources'} has no articles (.html, .htm or .txt) or feeds. "
            "Put an article there, or name one: briefing make FILE") in result.output


def test_no_synthesizing_bar_when_every_clip_is_cached(tmp_path):
    cfg = show(tmp_path)
    one = tmp_path / "one.txt"
    one.write_text(BRIDGE_TEXT, encoding="utf-8")
    first = make(cfg, str(one))
    assert first.exit_code == 0
    assert "Synthesizing" in first.output
    again = make(cfg, str(one))
    assert again.exit_code == 0, again.output
    assert "Synthesizing" not in again.output


def test_a_missing_email_is_warned_about(tmp_path):
    cfg = show(tmp_path)
    cfg.write_text(cfg.read_text().replace('email = "test@example.org"', ""), encoding="utf-8")
    one = tmp_path / "one.txt"
    one.write_text(BRIDGE_TEXT, encoding="utf-8")
    result = make(cfg, str(one))
    assert result.exit_code == 0, result.output
    assert f"[show] email is not set in {cfg}: podcast directories e-mail it to verify the show" in result.output


def test_the_text_transcript_keeps_quotation_marks(tmp_path):
    cfg = show(tmp_path)
    one = tmp_path / "one.txt"
    one.write_text(BRIDGE_TEXT, encoding="utf-8")
    result = make(cfg, "--date", "2026-12-02", str(one))
    assert result.exit_code == 0, result.output
    text = (tmp_path / "output" / "2026-12-02" / "briefing-2026-12-02.txt").read_text("utf-8")
    assert "“We are delighted to have the bridge back,”" in text


def test_cache_shows_the_voice_copies(tmp_path, user_cache):
    cfg = show(tmp_path)
    voices = user_cache / "briefing" / "voices"
    voices.mkdir(parents=True, exist_ok=True)
    (voices / "test-voice.onnx").write_bytes(b"\0" * 2**20)
    result = CliRunner().invoke(cli, ["--config", str(cfg), "cache"])
    assert result.exit_code == 0, result.output
    assert f"{voices}: " in result.output and "(per user; safe to delete)" in result.output
    assert "  test-voice.onnx  1.0 MB" in result.output
    (voices / "test-voice.onnx").unlink()


PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bakery wins a prize | Town News</title></head>
<body><nav><a href="/">Home</a></nav><article><h1>Bakery wins a prize</h1>
{byline}
<time datetime="2026-12-01T08:00:00Z">1 December 2026, 08:00</time>
<p>The bakery on the high street won the regional prize for its sourdough on <time datetime="2026-11-30">Monday</time>, the judges said.</p>
<p>Its owner said the recipe had been in the family for three generations and would not change.</p>
<p>The prize comes with a trophy and a visit from the judges next spring to see the ovens.</p>
</article><footer>Copyright Town News.</footer></body></html>"""


import json  # noqa: E402

import pytest  # noqa: E402


@pytest.mark.parametrize("byline", [
    '<p class="author">Jo Bloggs</p>',
    '<p class="article__byline">Jo Bloggs</p>',
    '<p>By <a rel="author" href="/jo">Jo Bloggs</a></p>',
    '<span itemprop="author">Jo Bloggs</span>',
])
def test_time_goes_to_the_date_and_author_markup_to_the_byline(tmp_path, byline):
    page = tmp_path / "bakery.html"
    page.write_text(PAGE.format(byline=byline), encoding="utf-8")
    result = CliRunner().invoke(cli, ["clean", str(page), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["byline"] == "Jo Bloggs"
    assert doc["published"] == "2026-12-01T08:00:00Z"
    texts = [b["text"] for b in doc["body"]]
    assert texts[0].startswith("The bakery on the high street") and "on Monday, the judges" in texts[0]
    assert not any("1 December 2026" in t or "Jo Bloggs" in t for t in texts)


def test_script_casts_as_make_does(tmp_path):
    cfg = show(tmp_path)
    first = tmp_path / "sources" / "a.txt"
    first.write_text(BRIDGE_TEXT, encoding="utf-8")
    second = tmp_path / "sources" / "b.txt"
    second.write_text(BRIDGE_TEXT.replace("Harbour bridge reopens", "Ferry returns").replace(
        "Maria Lopez", "Tom Hart").replace("harbour bridge reopened", "ferry returned"), encoding="utf-8")
    preview = CliRunner().invoke(cli, ["--config", str(cfg), "script", "--format", "json"])
    assert preview.exit_code == 0, preview.output
    made = make(cfg, "--date", "2026-12-02")
    assert made.exit_code == 0, made.output
    episode = json.loads((tmp_path / "output" / "2026-12-02" / "briefing-2026-12-02.json").read_text("utf-8"))
    def cast(doc):
        return {(s["speaker"], s["voice"]) for s in doc["segments"] if s["role"] == "quote"}
    assert cast(json.loads(preview.output)) == cast(episode)
    assert {v for _, v in cast(episode)} == {"ada", "ben"}  # two speakers, two voices, as in the episode
