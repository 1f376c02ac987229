"""The loudness step stays memory-bounded on a long episode, and meets the podcast targets on a
real Piper episode as voicecheck measures it (decoded at the MP3's own rate, sample peak)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pyloudnorm
import pytest

from briefing.ffmpeg import decode
from briefing.audio.loudness import encode_levelled, normalize, peak_dbfs
from conftest import write_show
from test_loudness import RATE, speechlike
from test_make import SHORT_ARTICLE, _make

MB = 2**20


@pytest.mark.slow
def test_loudness_of_a_25_minute_episode_allocates_a_small_fraction_of_the_track(tmp_path):
    # 25 minutes of speech-like audio, a 20 s passage repeated at varying levels (hot at 0 dBFS).
    # Each passage ends in a pause, as assembled stories do, so the encoder can work in parts.
    piece = np.concatenate((speechlike(20, 1.0), np.zeros(RATE // 2, np.float32)))
    reps = 75
    track = np.empty(len(piece) * reps, dtype=np.float32)
    for i in range(reps):
        track[i * len(piece) : (i + 1) * len(piece)] = piece * np.float32(0.5 + 0.5 * (i % 5) / 4)
    track_mb = track.nbytes / MB  # ~126 MB
    mp3 = tmp_path / "long.mp3"

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        normalize(track, RATE, -16.0, -1.0, check_codec=False, in_place=True)
        encode_levelled(track, RATE, mp3, -16.0, -1.0, parts=2)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Chunks only, plus the 16-bit copies pydub's exports encode from (half the float track):
    # no float copy of the track (~126 MB), no oversampled envelope.
    budget = track_mb / 2 + 48
    assert peak / MB < budget, f"loudness + encoding allocated {peak / MB:.0f} MB for a {track_mb:.0f} MB track"

    heard = decode(mp3)
    assert heard.sample_rate == 44100
    assert pyloudnorm.Meter(heard.sample_rate).integrated_loudness(heard.samples.astype(np.float64)) == pytest.approx(-16.0, abs=0.5)
    assert peak_dbfs(heard.samples) <= -1.0


@pytest.mark.slow
def test_a_real_piper_episode_is_at_minus_16_lufs_with_peaks_under_minus_1(tmp_path):
    config = write_show(tmp_path, engine="piper")
    (tmp_path / "sources" / "bridge.html").write_text(SHORT_ARTICLE, encoding="utf-8")
    result = _make(config, "--date", "2026-11-20")
    assert result.exit_code == 0, result.output
    heard = decode(tmp_path / "output" / "2026-11-20" / "briefing-2026-11-20.mp3")  # its own rate, as librosa
    assert heard.sample_rate == 44100
    lufs = pyloudnorm.Meter(heard.sample_rate).integrated_loudness(heard.samples.astype(np.float64))
    assert lufs == pytest.approx(-16.0, abs=1.0)
    assert peak_dbfs(heard.samples) <= -1.0
