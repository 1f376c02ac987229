"""Encoding a long track in parts on several cores gives the MP3 one encode would: the same
timeline to the sample, one header for the whole file, every part checked as heard."""

from __future__ import annotations

import mutagen.mp3
import numpy as np
import pytest

from briefing.audio.encode import CUT_PAUSE_SECONDS, MP3_RATE, cut_points, encode_mp3
from briefing.ffmpeg import decode
from briefing.audio.loudness import Meter, encode_levelled, integrated_lufs, meter_mp3
from briefing.models import Audio


def bursts(seconds: float, rate: int, pause: float = 0.4, seed: int = 1) -> np.ndarray:
    """Noise bursts of 1-4 s (as loud as speech) with `pause` seconds of silence between them."""
    rng = np.random.default_rng(seed)
    x = np.zeros(int(seconds * rate), np.float32)
    pos = 0
    while pos < len(x):
        length = int(rng.uniform(1, 4) * rate)
        x[pos : pos + length] = 0.2 * rng.standard_normal(len(x[pos : pos + length]))
        pos += length + int(pause * rate)
    return x


def lag(reference: np.ndarray, other: np.ndarray, at: int, width: int, reach: int = 200) -> int:
    """How many samples later `other` has the stretch of `reference` that starts at `at`."""
    ref = reference[at : at + width]
    return max(range(-reach, reach + 1), key=lambda d: float(np.dot(ref, other[at + d : at + d + width])))


@pytest.mark.parametrize("rate, parts", [(22050, 2), (24000, 2), (16000, 3)])
def test_a_track_encoded_in_parts_keeps_the_timeline_to_the_sample(tmp_path, rate, parts):
    # Piper's 22.05 kHz, gTTS's 24 kHz, and a rate that does not divide 44.1 kHz.
    x = bursts(150, rate)
    cuts = cut_points(x, rate, parts)
    assert len(cuts) == parts - 1
    whole = decode(encode_mp3(Audio(x, rate), tmp_path / "whole.mp3"), sample_rate=MP3_RATE).samples
    seen: list[int] = []
    parted_mp3 = encode_mp3(Audio(x, rate), tmp_path / "parted.mp3", parts=parts,
                            on_part=lambda i, mp3: seen.append(i))
    parted = decode(parted_mp3, sample_rate=MP3_RATE).samples
    assert sorted(seen) == list(range(parts))
    # Each join would add ~25-50 ms (the end padding of one part, the encoder delay of the
    # next); that much of the pause was taken out, so everything after it is where it was.
    assert abs(len(parted) - len(whole)) <= parts - 1
    for cut in cuts:
        after = int((cut / rate + 1.0) * MP3_RATE)  # a second past the join: inside a burst or pause
        assert abs(lag(whole, parted, after, MP3_RATE // 2)) <= 1
    assert abs(lag(whole, parted, len(whole) - MP3_RATE * 3, MP3_RATE)) <= 1
    # One Info header for the whole file: players read its length right.
    assert mutagen.mp3.MP3(parted_mp3).info.length == pytest.approx(len(parted) / MP3_RATE, abs=0.1)
    assert not list(tmp_path.glob(".encode-*")), "the parts are cleaned up"


def test_cuts_fall_in_the_middle_of_pauses_near_the_even_split():
    rate = 22050
    x = bursts(200, rate, seed=3)
    cuts = cut_points(x, rate, 4)
    assert len(cuts) == 3
    need = int(CUT_PAUSE_SECONDS * rate) // 2
    for k, cut in enumerate(cuts, start=1):
        assert not np.any(x[cut - need : cut + need]), "a cut lies in silence, with silence around it"
        assert abs(cut - len(x) * k // 4) < 5 * rate, "and near the even split"


@pytest.mark.parametrize("x", [
    0.1 * np.random.default_rng(0).standard_normal(22050 * 120).astype(np.float32),  # never a pause
    bursts(60, 22050),  # too short to be worth two encoders
], ids=["no pause", "short"])
def test_a_track_without_a_pause_or_too_short_is_encoded_whole(tmp_path, x):
    assert cut_points(x, 22050, 2) == []
    seen: list[int] = []
    encode_mp3(Audio(x, 22050), tmp_path / "one.mp3", parts=2, on_part=lambda i, mp3: seen.append(i))
    assert seen == [0]


def test_the_check_of_parts_hears_what_the_whole_file_plays(tmp_path):
    rate = 22050
    x = bursts(150, rate) * np.float32(0.5)
    mp3 = encode_levelled(x.copy(), rate, tmp_path / "ep.mp3", -16.0, -1.0, parts=2)
    heard = decode(mp3)
    assert integrated_lufs(heard.samples, heard.sample_rate) == pytest.approx(-16.0, abs=0.5)
    # The parts' meters joined are the file's loudness, not an average of the parts'.
    whole = meter_mp3(mp3)
    assert whole.lufs() == pytest.approx(integrated_lufs(heard.samples, heard.sample_rate), abs=1e-6)
    half = len(heard.samples) // 2
    first, second = Meter(heard.sample_rate), Meter(heard.sample_rate)
    first.feed(heard.samples[:half])
    second.feed(heard.samples[half:] * np.float32(0.25))  # a quieter second half: not a plain mean
    joined = np.concatenate((heard.samples[:half], heard.samples[half:] * np.float32(0.25)))
    assert Meter.joined_lufs([first, second]) == pytest.approx(integrated_lufs(joined, heard.sample_rate), abs=0.02)


def test_a_pause_within_a_clip_is_a_place_to_cut():
    # Between the sentences of one clip an engine leaves its noise floor, not digital silence.
    rate = 22050
    x = bursts(150, rate, pause=0.1, seed=5)  # no pause long enough between bursts
    floor = np.float32(10 ** (-65 / 20))
    middle = slice(74 * rate, int(74.5 * rate))
    x[middle] = floor * np.random.default_rng(1).uniform(-1, 1, middle.stop - middle.start).astype(np.float32)
    (cut,) = cut_points(x, rate, 2)
    assert middle.start < cut < middle.stop
