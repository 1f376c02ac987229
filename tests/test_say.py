"""`briefing say`: one line in a voice of the show, with its lexicon, to a file or a player."""

from __future__ import annotations

import os
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing.speech.cache import ClipCache
from briefing.cli import cli
from conftest import write_show

LEXICON = '\n[pronounce]\nNguyen = "win"\nStarmer = "/ˈstɑːmə/"\n'


def say(config: Path, *args: str, env: dict | None = None):
    return CliRunner(mix_stderr=False).invoke(cli, ["--config", str(config), "say", *args], env=env)


def test_spoken_prints_what_the_engine_is_given(tmp_path):
    config = write_show(tmp_path, extra=LEXICON)
    result = say(config, "Dr Nguyen met Starmer on 4 May.", "--spoken")
    assert result.exit_code == 0, result.output
    # The silence engine takes no phonemes: the IPA-only entry is left as written, with a warning.
    assert result.output == "Doctor win met Starmer on the fourth of May.\n"
    assert "[pronounce] 'Starmer' has only IPA, and engine 'silence' cannot take phonemes" in result.stderr


def test_spoken_for_a_piper_voice_shows_the_phonemes(tmp_path):
    config = write_show(tmp_path, engine="piper", extra=LEXICON)
    result = say(config, "Starmer spoke.", "--spoken", "--voice", "ada")
    assert result.exit_code == 0, result.output
    assert result.output == "[[ˈstɑːmə]] spoke.\n"


@pytest.mark.parametrize("suffix", [".wav", ".mp3"])
def test_writes_the_clip_and_caches_it(tmp_path, briefing_home, suffix):
    config = write_show(tmp_path, extra=LEXICON)
    out = tmp_path / f"line{suffix}"
    result = say(config, "Four words said here.", "-o", str(out), "--voice", "ben")
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{out} (")
    assert result.output.endswith("s, voice ben)\n")
    assert out.stat().st_size > 1000
    if suffix == ".wav":
        with wave.open(str(out)) as w:
            assert w.getnframes() / w.getframerate() == pytest.approx(4 / (160 / 60), abs=0.01)
    assert ClipCache(briefing_home / "cache").usage().entries == 1
    again = say(config, "Four words said here.", "-o", str(out), "--voice", "ben")
    assert again.exit_code == 0 and ClipCache(briefing_home / "cache").usage().entries == 1


def test_an_unknown_voice_or_suffix_is_a_plain_error(tmp_path):
    config = write_show(tmp_path)
    result = say(config, "Hello.", "--voice", "zoe")
    assert result.exit_code == 1
    assert result.stderr == "Error: no voice 'zoe' in the cast; choose one of: joe, ada, ben, cleo, dan\n"
    result = say(config, "Hello.", "-o", str(tmp_path / "x.ogg"))
    assert result.stderr == "Error: cannot write x.ogg: give a file ending in .wav or .mp3\n"


def test_plays_with_a_player_found_on_path(tmp_path):
    config = write_show(tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    heard = tmp_path / "heard.wav"
    player = bin_dir / "aplay"
    player.write_text(f'#!/bin/sh\n[ "$1" = "-q" ] && /bin/cp "$2" "{heard}"\n', encoding="utf-8")
    player.chmod(0o755)
    result = say(config, "Two words.", env={"PATH": str(bin_dir)})
    assert result.exit_code == 0, result.stderr
    assert result.output == "played 0.7 s with aplay (voice joe)\n"  # two words at 160 words a minute: 0.75 s
    with wave.open(str(heard)) as w:
        assert w.getnchannels() == 1 and w.getnframes() > 0


def test_no_player_says_to_write_a_file(tmp_path):
    config = write_show(tmp_path)
    (tmp_path / "empty").mkdir()
    result = say(config, "Hello.", env={"PATH": str(tmp_path / "empty")})
    assert result.exit_code == 1
    assert result.stderr == ("Error: no audio player found (looked for ffplay, afplay, paplay, aplay, mpv); "
                             "write the clip to a file with -o FILE.wav\n")
