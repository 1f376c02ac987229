"""`[show].output` pointed at a source, outside the show, or moved: said clearly, never silently."""

from __future__ import annotations

import shutil

from click.testing import CliRunner
from conftest import BRIDGE_TEXT, write_show

from briefing.cli import cli


def _make(cfg, day="2026-11-20"):
    return CliRunner().invoke(cli, ["--config", str(cfg), "make", "--date", day])


def test_output_equal_to_a_sources_folder_is_an_error(tmp_path):
    cfg = write_show(tmp_path, extra='[sources]\npaths = ["sources"]\n')
    cfg.write_text(cfg.read_text().replace('[show]\n', '[show]\noutput = "sources"\n'))
    (tmp_path / "sources" / "bridge.txt").write_text(BRIDGE_TEXT, "utf-8")
    result = _make(cfg)
    assert result.exit_code == 1
    assert (f"Error: {cfg}: [show].output ({tmp_path / 'sources'}) is also a source (sources): the feed "
            "and transcripts would be read back as articles.") in result.output
    assert not (tmp_path / "sources" / "feed.xml").exists()


def test_a_source_inside_output_is_an_error(tmp_path):
    cfg = write_show(tmp_path, extra='[sources]\npaths = ["output/2026-11-19"]\n')
    (tmp_path / "output" / "2026-11-19").mkdir(parents=True)
    result = _make(cfg)
    assert result.exit_code == 1
    assert "is also a source (output/2026-11-19)" in result.output


def test_output_outside_the_show_folder_is_a_warning(tmp_path):
    show = tmp_path / "show"
    cfg = write_show(show)
    elsewhere = tmp_path / "www"
    cfg.write_text(cfg.read_text().replace('[show]\n', f'[show]\noutput = "{elsewhere}"\n'))
    (show / "sources" / "bridge.txt").write_text(BRIDGE_TEXT, "utf-8")
    result = _make(cfg)
    assert result.exit_code == 0, result.output
    assert (f"briefing: warning: [show].output ({elsewhere}) is outside the show folder ({show}): check that "
            "http://127.0.0.1:8000/pod/ serves that folder") in result.output
    assert (elsewhere / "feed.xml").is_file()


def test_a_moved_output_folder_is_refused_before_the_feed_lists_missing_files(tmp_path, briefing_home):
    cfg = write_show(tmp_path)
    (tmp_path / "sources" / "bridge.txt").write_text(BRIDGE_TEXT, "utf-8")
    assert _make(cfg).exit_code == 0
    shutil.move(tmp_path / "output", tmp_path / "old-output")
    (tmp_path / "sources" / "other.txt").write_text(BRIDGE_TEXT.replace("bridge", "tunnel"), "utf-8")
    result = _make(cfg, "2026-11-21")
    assert result.exit_code == 1
    assert (f"Error: {briefing_home / 'state.sqlite3'} records 1 episode, but none is in {tmp_path / 'output'} "
            f"(no {tmp_path / 'output' / '2026-11-20' / 'briefing-2026-11-20.mp3'}): if [show].output was "
            "changed, move the episode folders and feed.xml there or set it back") in result.output
    assert not (tmp_path / "output").exists()
