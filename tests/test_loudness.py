"""Loudness as a listener's app measures it: the decoded MP3, whatever the engine's raw level."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyloudnorm
import pytest

from briefing.audio.encode import encode_mp3
from briefing.ffmpeg import decode
from briefing.audio.loudness import (
    LEVEL_TOLERANCE_LU, Meter, integrated_lufs, level, moving_max, moving_mean, moving_min, normalize, peak_dbfs,
)
from briefing.models import Audio

RATE = 22050


def speechlike(seconds: float, peak: float, seed: int = 1) -> np.ndarray:
    """Voiced syllables (a gliding 100-200 Hz pitch with harmonics), 3-4 a second, short pauses
    between words and a few plosive-like clicks: like the bundled voice, it peaks at `peak` with
    loudness some 20 dB under it."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    f0 = 150 + 50 * np.sin(2 * np.pi * 0.3 * t)
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    voiced = sum(np.sin(k * phase + rng.random() * 6.28) / k for k in range(1, 25))
    syllables = np.abs(np.sin(2 * np.pi * 1.8 * t)) ** 1.5
    words = rng.random(n // 4410 + 1).repeat(4410)[:n] > 0.2  # a tenth-of-a-second pause now and then
    x = voiced * syllables * words
    x[rng.integers(0, n, 30)] += rng.choice([-1, 1], 30) * 6 * np.std(x)  # clicks set the raw peak
    return (x / np.max(np.abs(x)) * peak).astype(np.float32)


@pytest.mark.parametrize("rate", [RATE, 24000, 44100])
def test_lufs_agrees_with_pyloudnorm(rate):
    # Two independent BS.1770-4 implementations: libebur128 (ours) and pyloudnorm. They design
    # the K-weighting filters for each rate a little differently; 0.1 LU is a tenth of what a
    # podcast's loudness may vary (+-1 LU), and 0.09 is the most seen between them on speech.
    x = speechlike(7.3, 0.8)
    assert integrated_lufs(x, rate) == pytest.approx(pyloudnorm.Meter(rate).integrated_loudness(x.astype(np.float64)), abs=0.1)


def test_loudness_fed_in_pieces_equals_loudness_of_the_whole():
    x = speechlike(9.1, 0.5)
    meter = Meter(RATE)
    for start in range(0, len(x), 7919):  # chunks that split gating blocks anywhere
        meter.feed(x[start : start + 7919])
    assert meter.lufs() == pytest.approx(integrated_lufs(x, RATE), abs=1e-9)
    assert meter.peak_dbfs == pytest.approx(peak_dbfs(x))


@pytest.mark.parametrize("size", [2, 3, 110, 111, 551])
def test_moving_filters_hold_the_ends_and_centre_the_window(size):
    x = np.random.default_rng(size).standard_normal(5003).astype(np.float32)
    padded = np.concatenate((np.repeat(x[:1], size // 2), x, np.repeat(x[-1:], size - 1 - size // 2)))
    windows = np.lib.stride_tricks.sliding_window_view(padded, size)
    assert np.array_equal(moving_min(x, size), windows.min(axis=1))
    assert np.array_equal(moving_max(x, size), windows.max(axis=1))
    assert np.allclose(moving_mean(x, size), windows.mean(axis=1), atol=1e-5)


@pytest.mark.parametrize("peak", [1.0, 0.1])  # a hot engine clipping at 0 dBFS, a quiet one at -20 dBFS
def test_encoded_episode_is_at_minus_16_lufs_with_peaks_under_minus_1(tmp_path, peak):
    x = speechlike(20, peak)
    y = normalize(x, RATE, -16.0, -1.0, bitrate="96k")
    heard = decode(encode_mp3(Audio(y, RATE), tmp_path / "ep.mp3", bitrate="96k"))
    assert heard.sample_rate == 44100
    assert integrated_lufs(heard.samples, heard.sample_rate) == pytest.approx(-16.0, abs=0.5)
    assert peak_dbfs(heard.samples) <= -1.0


def test_silence_stays_silent():
    assert not normalize(np.zeros(RATE * 2, dtype=np.float32), RATE, -16.0, -1.0).any()


@pytest.mark.parametrize("probed_level, other_level", [(1.0, 0.3), (0.3, 1.0)])
def test_levelling_lands_on_target_even_where_the_probes_misjudge_the_track(probed_level, other_level):
    # The gain is searched on probes spread over the track (loudness._probes). Here the probed
    # stretches are 10 dB louder (or quieter) than the rest, so the search misjudges the whole;
    # the pass that writes meters the result, and the miss is corrected, peaks kept under the ceiling.
    from briefing.audio.loudness import _PROBE, _probes

    chunks = 160
    piece = speechlike(_PROBE / RATE, 1.0)[:_PROBE]
    probed = {start // _PROBE for start, _ in _probes(chunks * _PROBE)}
    x = np.concatenate([piece * np.float32(probed_level if i in probed else other_level) for i in range(chunks)])
    y = level(x, RATE, -16.0, -2.0)
    assert integrated_lufs(y, RATE) == pytest.approx(-16.0, abs=LEVEL_TOLERANCE_LU)
    assert peak_dbfs(y) <= -2.0 + 1e-6


def test_the_limiter_on_several_threads_writes_what_one_thread_writes():
    # Each thread limits a run of chunks; a chunk's result depends on the original samples
    # around it, so in place, where the next run may already be overwritten, the edges' context
    # must have been kept: the output is the same to the bit.
    from briefing.audio.loudness import _CHUNK, _apply

    x = speechlike(5.5 * _CHUNK / RATE, 1.0, seed=4)  # parts of chunks, hot enough to limit
    serial = np.empty_like(x)
    lufs = _apply(x, RATE, 6.0, -2.0, serial, threads=1)
    for threads in (2, 3):
        parallel = np.empty_like(x)
        assert _apply(x, RATE, 6.0, -2.0, parallel, threads=threads) == pytest.approx(lufs, abs=0.02)
        assert np.array_equal(parallel, serial)
        in_place = x.copy()
        _apply(in_place, RATE, 6.0, -2.0, in_place, threads=threads)
        assert np.array_equal(in_place, serial)
    assert peak_dbfs(serial) <= -2.0 + 1e-6


@pytest.mark.parametrize("gain_db", [0.0, 6.0, 14.0])
def test_probes_reuse_their_envelope_at_any_gain(gain_db):
    # The gain search works out each probe's true-peak envelope once, at unit gain, and scales
    # it: it must measure what limiting the probe at that gain measures.
    from briefing.audio.loudness import _PAD, _limiter_gain, _probes, _Probes

    x = speechlike(120, 1.0, seed=5)
    ceiling_dbfs = -2.0
    ceiling, g = 10 ** (ceiling_dbfs / 20), np.float32(10 ** (gain_db / 20))
    meter = Meter(RATE)
    for s, e in _probes(len(x)):
        lo, hi = max(0, s - _PAD), min(len(x), e + _PAD)
        block = x[lo:hi] * g
        curve = _limiter_gain(block, RATE, ceiling)
        out = block[s - lo : e - lo] * (1.0 if curve is None else curve[s - lo : e - lo])
        meter.feed(np.clip(out, -ceiling, ceiling))
    probes = _Probes(x, RATE)
    assert probes.lufs(gain_db, ceiling_dbfs) == pytest.approx(meter.lufs(), abs=1e-3)
    assert probes.lufs(None, ceiling_dbfs) == pytest.approx(integrated_lufs(np.concatenate(
        [x[s:e] for s, e in _probes(len(x))]), RATE), abs=1e-3)


def test_an_mp3_peaking_over_the_ceiling_is_put_right_by_the_next_encode(tmp_path):
    # The codec adds its own overshoot on top of the limited track's peaks, a little different
    # at each encode (here enough to go 0.1 dB over the ceiling at the loudest peak, then 0.1 dB
    # more). One correction must be enough, and the loudness stay on target.
    from briefing.audio.loudness import encode_levelled

    y = normalize(speechlike(20, 1.0), RATE, -16.0, -1.0, check_codec=False)
    room = -1.0 - peak_dbfs(decode(encode_mp3(Audio(y, RATE), tmp_path / "plain.mp3")).samples)
    boosts = iter([room + 0.1, room + 0.2, room + 0.3])
    encodes: list[float] = []

    def overshooting(audio, path, **kwargs):  # around the loudest peak: the loudness stays put
        boost = next(boosts)
        encodes.append(boost)
        louder = audio.samples.copy()
        at = int(np.argmax(np.abs(louder)))
        louder[at - 110 : at + 110] *= np.float32(10 ** (boost / 20))
        return encode_mp3(Audio(louder, audio.sample_rate), path, **kwargs)

    heard = decode(encode_levelled(y, RATE, tmp_path / "ep.mp3", -16.0, -1.0, encode=overshooting))
    assert len(encodes) == 2, "the first correction was enough"
    assert peak_dbfs(heard.samples) <= -1.1
    assert integrated_lufs(heard.samples, heard.sample_rate) == pytest.approx(-16.0, abs=0.5)
