"""Every setting checked before anything is fetched: one error, every problem, file and line."""

from __future__ import annotations

import time

from click.testing import CliRunner

from briefing.cli import cli
from conftest import BRIDGE_TEXT, write_show


def _make(cfg, *args):
    return CliRunner().invoke(cli, ["--config", str(cfg), "make", *args])


def _line_of(cfg, fragment: str) -> int:
    return next(n for n, line in enumerate(cfg.read_text().splitlines(), 1) if fragment in line)


def test_every_problem_is_listed_once_with_its_line(tmp_path):
    cfg = write_show(tmp_path, extra="""
[sohw]
title = "x"

[audio]
loudness = -14
bitrate = "96 kbps"
pause_article_ms = -5

[feed]
keep_episode = 5
""")
    cfg.write_text(cfg.read_text().replace('title = \'Test Show\'', 'titel = "Morning"'))
    (tmp_path / "sources" / "a.txt").write_text(BRIDGE_TEXT)
    import briefing.pipeline  # noqa: F401  (imports are the CLI's, not the check's, cost)

    start = time.monotonic()
    result = _make(cfg)
    assert time.monotonic() - start < 1.0
    assert result.exit_code == 1
    out = result.output
    assert out.startswith(f"Error: {cfg}: 6 problems; fix these and run again:\n")
    assert f"{cfg}:{_line_of(cfg, 'titel')}: [show] unknown key 'titel'; did you mean 'title'?" in out
    assert f"{cfg}:{_line_of(cfg, '[sohw]')}: unknown table [sohw]; did you mean 'show'?" in out
    assert f"{cfg}:{_line_of(cfg, 'loudness =')}: [audio] unknown key 'loudness'; did you mean 'loudness_lufs'?" in out
    assert (f"{cfg}:{_line_of(cfg, 'bitrate')}: [audio].bitrate = '96 kbps' is not a bitrate: "
            'write kilobits and k, like "96k" (8k to 320k)') in out
    assert "[audio].pause_article_ms = -5 is out of range: use 0 to 10000" in out
    assert f"{cfg}:{_line_of(cfg, 'keep_episode')}: [feed] unknown key 'keep_episode'; did you mean 'keep_episodes'?" in out
    assert not (tmp_path / "output").exists()  # nothing fetched, nothing written


def test_cast_voices_must_be_defined(tmp_path):
    cfg = write_show(tmp_path)
    text = cfg.read_text().replace('narrator = "joe"', 'narrator = "jo"').replace('"ben"', '"bne"')
    cfg.write_text(text)
    result = _make(cfg)
    assert result.exit_code == 1
    assert "[cast].narrator names voice 'jo', which no [voices.jo] table defines; did you mean 'joe'?" in result.output
    assert "[cast].quotes names voice 'bne', which no [voices.bne] table defines; did you mean 'ben'?" in result.output


def test_types_and_voice_parameters_are_checked(tmp_path):
    cfg = write_show(tmp_path, extra="""
[audio]
loudness_lufs = -3.0
sample_rate = "44100"

[voices.ada]
engine = "silence"
pitch = 9
pich = 1.2
""")
    cfg.write_text(cfg.read_text().replace('[voices.ada]\nengine = "silence"\n[voices.ben]', '[voices.ben]', 1))
    result = _make(cfg)
    assert result.exit_code == 1
    assert "[audio].loudness_lufs = -3.0 is out of range: use -30 to -9" in result.output
    assert "[audio].sample_rate must be a whole number (like 44100), got '44100'" in result.output
    assert "[voices.ada].pitch = 9 is out of range: use 0.25 to 4" in result.output
    assert "[voices.ada] unknown key 'pich'; did you mean 'pitch'?" in result.output


def test_a_good_file_passes(tmp_path):
    cfg = write_show(tmp_path, extra='[audio]\nbitrate = "128k"\nloudness_lufs = -14\n')
    result = CliRunner().invoke(cli, ["--config", str(cfg), "voices"])
    assert result.exit_code == 0, result.output


def test_a_cache_cap_may_be_fractional(tmp_path):
    cfg = write_show(tmp_path, extra="[cache]\nmax_mb = 512.5\n")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "cache"])
    assert result.exit_code == 0, result.output
    assert "of 512.5 MB" in result.output
