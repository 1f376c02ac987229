"""Stitching and loudness on real arrays."""

import numpy as np
import pytest

from briefing.audio.assemble import Piece, assemble
from briefing.audio.loudness import integrated_lufs, normalize
from briefing.models import Audio

RATE = 22050


def tone(seconds: float, amp: float = 0.3, freq: float = 200.0, rate: int = RATE) -> Audio:
    t = np.arange(int(seconds * rate)) / rate
    return Audio((amp * np.sin(2 * np.pi * freq * t)).astype(np.float32), rate)


def test_cues_and_chapters_follow_clip_lengths_and_pauses():
    pieces = [
        Piece(tone(1.0), 0, "intro", chapter="Introduction"),
        Piece(tone(2.0), 500, "first story", chapter="Story one", chapter_url="http://x/1"),
        Piece(tone(1.5), 250, "a quote", speaker="Someone"),
        Piece(tone(1.0), 1000, "outro", chapter="Outro"),
    ]
    track = assemble(pieces, RATE, tail_ms=0)
    assert [c.text for c in track.cues] == ["intro", "first story", "a quote", "outro"]
    # fades shave nothing off the length; the trim of a pure tone removes nothing
    assert track.cues[1].start == pytest.approx(1.0 + 0.5, abs=0.01)
    assert track.cues[2].start == pytest.approx(track.cues[1].end + 0.25, abs=0.01)
    assert track.audio.seconds == pytest.approx(1 + 0.5 + 2 + 0.25 + 1.5 + 1 + 1, abs=0.02)
    assert [c.title for c in track.chapters] == ["Introduction", "Story one", "Outro"]
    assert track.chapters[1].url == "http://x/1"
    # chapters tile the episode
    assert track.chapters[0].start == 0
    for a, b in zip(track.chapters, track.chapters[1:]):
        assert a.end == b.start
    assert track.chapters[-1].end == pytest.approx(track.audio.seconds)


def test_clips_at_other_rates_are_resampled():
    track = assemble([Piece(tone(1.0), 0, "a"), Piece(tone(1.0, rate=24000), 0, "b")], RATE, tail_ms=0)
    assert track.audio.sample_rate == RATE
    assert track.audio.seconds == pytest.approx(2.0, abs=0.01)


def test_leading_and_trailing_silence_is_trimmed():
    clip = np.concatenate([np.zeros(RATE), tone(1.0).samples, np.zeros(RATE)]).astype(np.float32)
    track = assemble([Piece(Audio(clip, RATE), 0, "x")], RATE, tail_ms=0)
    assert track.audio.seconds == pytest.approx(1.0, abs=0.01)


def test_quiet_speechlike_audio_is_brought_to_target_without_exceeding_peak():
    rng = np.random.default_rng(1)
    # bursts of noise shaped like syllables, quiet overall but with full-scale spikes
    env = (np.sin(np.linspace(0, 60 * np.pi, RATE * 10)) > 0).astype(np.float32)
    x = (rng.standard_normal(RATE * 10) * 0.05 * env).astype(np.float32)
    x[::4000] = 1.0
    out = normalize(x, RATE, -16.0, -1.0)
    assert integrated_lufs(out, RATE) == pytest.approx(-16.0, abs=1.0)
    assert 20 * np.log10(np.abs(out).max()) <= -1.0


def test_silence_is_left_alone():
    out = normalize(np.zeros(RATE * 2, np.float32), RATE, -16.0, -1.0)
    assert not out.any()
