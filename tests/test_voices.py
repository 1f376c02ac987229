"""The voice cast: `briefing voices`, its demo, and that the offline cast holds distinct voices."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from briefing import config
from briefing.speech import voices
from briefing.cli import cli
from briefing.models import Voice
from briefing.models import Audio
from tests.conftest import write_show


def read_wav(path: Path) -> Audio:
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return Audio((pcm / 32768.0).astype(np.float32), w.getframerate())


def test_describe_lists_narrator_then_quote_voices(show):
    settings = config.load(show)
    cast = voices.describe(settings.cast)
    assert [role for role, _ in cast] == ["narrator", "quote 1", "quote 2", "quote 3", "quote 4"]
    assert [v.name for _, v in cast] == ["joe", "ada", "ben", "cleo", "dan"]
    assert all(isinstance(v, Voice) and v.engine == "silence" for _, v in cast)


def test_write_demo_writes_one_wav_per_voice_and_the_passage(show, tmp_path):
    out = tmp_path / "demo"
    paths = voices.write_demo(config.load(show).cast, out)
    names = sorted(p.name for p in paths)
    assert names == ["ada.wav", "ben.wav", "cleo.wav", "dan.wav", "narrator.wav", "passage.txt"]
    assert sorted(p.name for p in out.iterdir()) == names
    assert (out / "passage.txt").read_text(encoding="utf-8").strip() == voices.PASSAGE
    for path in out.glob("*.wav"):
        assert read_wav(path).seconds > 5


def test_passage_is_a_half_minute_of_news():
    # voicecheck compares voices on this passage; 25-40 s at ~160 words a minute.
    assert 65 <= len(voices.PASSAGE.split()) <= 110


def test_cli_lists_the_cast_and_writes_the_demo(show, tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["--config", str(show), "voices", "--demo", str(out)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["narrator", "joe", "silence", "ready:", "nothing", "needed"]
    assert lines[1].split()[:4] == ["quote", "1", "ada", "silence"]
    assert (out / "narrator.wav").is_file() and (out / "dan.wav").is_file()


def test_default_cast_uses_derived_piper_voices(tmp_path):
    settings = config.load(write_show(tmp_path, engine="piper"))
    cast = dict((v.name, v) for _, v in voices.describe(settings.cast))
    assert all(v.engine == "piper" for v in cast.values())
    assert not cast["joe"].options  # the narrator is the bundled voice as it is
    for name in ("ada", "ben", "cleo", "dan"):
        opts = cast[name].options
        assert opts.get("pitch", 1) != 1 or opts.get("formant", 1) != 1, name


def _pitch_and_f2(audio: Audio) -> tuple[float, float]:
    import parselmouth

    sound = parselmouth.Sound(audio.samples.astype(np.float64), sampling_frequency=audio.sample_rate)
    f0 = sound.to_pitch(pitch_floor=60, pitch_ceiling=600).selected_array["frequency"]
    formants = sound.to_formant_burg(maximum_formant=5500)
    f2 = [formants.get_value_at_time(2, t) for t in formants.xs()]
    return float(np.median(f0[f0 > 0])), float(np.nanmedian(f2))


@pytest.mark.slow
def test_default_quote_voices_differ_from_the_narrator(tmp_path):
    """Real Piper: every quote voice moves pitch or formants well beyond take-to-take noise."""
    settings = config.load(write_show(tmp_path, engine="piper"))
    passage = "Officials said the buses would run until two in the morning, and fares would not change."
    paths = voices.write_demo(settings.cast, tmp_path / "demo", passage=passage)
    measured = {p.stem: _pitch_and_f2(read_wav(p)) for p in paths if p.suffix == ".wav"}
    f0_joe, f2_joe = measured.pop("narrator")
    assert set(measured) == {"ada", "ben", "cleo", "dan"}
    for name, (f0, f2) in measured.items():
        moved = max(abs(np.log(f0 / f0_joe)), abs(np.log(f2 / f2_joe)))
        assert moved > np.log(1.12), (name, f0, f0_joe, f2, f2_joe)
