"""Hostile input files the tests make: control characters, terminal escapes, stray bytes,
symlink loops, a run of many articles."""

from __future__ import annotations

import json
import os

from click.testing import CliRunner
from conftest import BRIDGE_TEXT, write_show

from briefing.clean.decode import decode
from briefing.cli import cli
from briefing.models import Document

QUOTED = """Council approves the new harbour plan

By Ana Ruiz

The council approved the harbour plan on Tuesday after a long debate, officials said.

“We have waited years for this,” said Maria Lopez, the council’s head of transport. “It is a good day.”

“The fishing fleet will finally have a safe mooring,” said Tom Barker, who chairs the harbour board.

"""


def _run(cfg, *args):
    return CliRunner().invoke(cli, ["--config", str(cfg), "make", "--date", "2026-11-20", *args])


def test_nul_and_control_characters_never_reach_speech(tmp_path):
    cfg = write_show(tmp_path)
    text = BRIDGE_TEXT.replace("reopened", "re\x00opened").replace("steel", "st\x07e\x0eel\x9b")
    (tmp_path / "sources" / "nul.txt").write_bytes(text.encode("utf-8"))
    result = _run(cfg)
    assert result.exit_code == 0, result.output
    assert "skipped" not in result.output
    script = (tmp_path / "output" / "2026-11-20" / "briefing-2026-11-20.json").read_text("utf-8")
    spoken = " ".join(s["text"] for s in json.loads(script)["segments"])
    assert "reopened" in spoken and "steel" in spoken
    assert not any(ord(c) < 32 or 127 <= ord(c) < 160 for c in spoken)


def test_terminal_escapes_in_a_headline_and_a_file_name_are_not_printed(tmp_path):
    cfg = write_show(tmp_path)
    headline = "Harbour \x1b]0;pwned\x07bridge \x1b[2Jreopens after repairs"
    (tmp_path / "sources" / "escape.txt").write_text(BRIDGE_TEXT.replace(
        "Harbour bridge reopens after repairs", headline), "utf-8")
    (tmp_path / "sources" / "\x1b[31mred\x1b[0m.txt").write_text("", "utf-8")  # skipped: empty
    result = _run(cfg)
    assert result.exit_code == 3, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "pwned" not in result.output and "[2J" not in result.output
    assert "  Harbour bridge reopens after repairs — " in result.output
    assert "red.txt" in result.output  # the skipped file is still named


def test_one_stray_byte_keeps_a_utf8_article_utf8(tmp_path, caplog):
    body = QUOTED * 12  # ~9 KB of UTF-8 with curly quotes
    raw = body.encode("utf-8")
    raw = raw[:5000] + b"\xff" + raw[5000:]
    text = decode(Document(source="stray.txt", content=raw, kind="text"))
    assert text.count("“") == body.count("“") and "’" in text
    assert "\ufffd" in text
    assert "stray.txt: 1 byte is not valid UTF-8; read as UTF-8 with it replaced" in caplog.text
    # a real legacy file is still read as one
    legacy = "“Café,” she said. ".encode("cp1252") * 40
    assert decode(Document(source="legacy.txt", content=legacy, kind="text")).startswith("“Café,”")

    cfg = write_show(tmp_path)
    article = BRIDGE_TEXT + "\n" + QUOTED.split("\n", 4)[4]  # 11 non-ASCII characters
    (tmp_path / "sources" / "stray.txt").write_bytes(article.encode("utf-8").replace(b"approved", b"appr\xffoved"))
    result = _run(cfg)
    assert result.exit_code == 0, result.output
    assert "stray.txt: 1 byte is not valid UTF-8; read as UTF-8 with it replaced" in result.output
    assert "5 quotes, voices: joe, ada, ben" in result.output, result.output


def test_a_symlink_loop_in_sources_is_named(tmp_path):
    cfg = write_show(tmp_path)
    src = tmp_path / "sources"
    (src / "good.txt").write_text(BRIDGE_TEXT, "utf-8")
    os.symlink("loop.txt", src / "loop.txt")
    os.symlink("missing.txt", src / "dangling.txt")
    result = _run(cfg)
    assert result.exit_code == 3, result.output
    assert f"{src / 'loop.txt'}: is a symlink loop (the link leads back to itself); fix or remove the link" in result.output
    assert f"{src / 'dangling.txt'}: is a symlink to missing.txt, which does not exist; fix or remove the link" in result.output
    assert "file not found" not in result.output


def _story(n: int) -> str:
    words = ["harbour", "ferry", "library", "tunnel", "market", "school", "museum", "station"]
    place = words[n % len(words)]
    return BRIDGE_TEXT.replace("Harbour bridge reopens after repairs", f"Story {n}: the {place} reopens") \
        .replace("bridge", place).replace("three months", f"{n + 2} months")


def test_a_run_is_capped_at_max_articles_and_says_what_it_left_out(tmp_path):
    from briefing import config

    assert config.load(write_show(tmp_path / "defaults")).max_articles == 30
    cfg = write_show(tmp_path, extra="[sources]\nmax_articles = 4\n")
    for n in range(6):
        (tmp_path / "sources" / f"{n:02d}.txt").write_text(_story(n), "utf-8")
    result = _run(cfg)
    assert result.exit_code == 0, result.output
    src = tmp_path / "sources"
    for n in (4, 5):
        assert f"  left out  {src / f'{n:02d}.txt'}: over the cap of 4 articles a run ([sources].max_articles)" \
            in result.output
    assert "briefing: warning: 2 more articles left out: over [sources].max_articles = 4" in result.output
    script = json.loads((tmp_path / "output" / "2026-11-20" / "briefing-2026-11-20.json").read_text("utf-8"))
    assert [a["title"] for a in script["articles"]] == [f"Story {n}: the {w} reopens" for n, w in
                                                        zip(range(4), ["harbour", "ferry", "library", "tunnel"])]
    # per-article progress while speaking: intro, four articles, outro
    spoken = [line for line in result.output.splitlines() if line.startswith("briefing: info: spoken ")]
    assert len(spoken) == 6 and spoken[-1] == "briefing: info: spoken 6/6: Outro"
    assert "briefing: info: spoken 3/6: Story 1: the ferry reopens" in spoken


def test_max_articles_must_be_a_positive_whole_number(tmp_path):
    cfg = write_show(tmp_path, extra="[sources]\nmax_articles = 0\n")
    result = _run(cfg)
    assert result.exit_code == 1
    assert "max_articles" in result.output and "Traceback" not in result.output
