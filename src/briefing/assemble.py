"""Audio assembly: clips and pauses into one track, with the timings of cues and chapters.

The track is written into one preallocated buffer, so assembling N clips costs O(total audio)
rather than the O(N x track) of growing an AudioSegment clip by clip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import gcd

import numpy as np

from briefing.models import Audio, Chapter, Cue

# Piper's clips start and end with a little breath of near-silence; trimming it keeps the
# configured pauses the pauses a listener hears. Below this level counts as silence.
TRIM_THRESHOLD = 10 ** (-50 / 20)
# Short fades stop clicks where clips meet silence.
FADE_S = 0.005


@dataclass(frozen=True)
class Piece:
    """A clip as it goes into the episode: the pause before it, and what it is."""

    audio: Audio
    pause_before_ms: int
    text: str
    speaker: str | None = None
    chapter: str | None = None  # a new chapter starts with this piece, titled so
    chapter_url: str | None = None


@dataclass(frozen=True)
class Track:
    audio: Audio
    cues: tuple[Cue, ...]
    chapters: tuple[Chapter, ...]


def resample(audio: Audio, rate: int) -> np.ndarray:
    if audio.sample_rate == rate:
        return audio.samples.astype(np.float32, copy=False)
    from scipy.signal import resample_poly

    g = gcd(audio.sample_rate, rate)
    return resample_poly(audio.samples, rate // g, audio.sample_rate // g).astype(np.float32)


def trim(samples: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(np.abs(samples) > TRIM_THRESHOLD)
    if len(loud) == 0:
        return samples[:0]
    return samples[loud[0] : loud[-1] + 1]


def _fade(samples: np.ndarray, rate: int) -> np.ndarray:
    n = min(len(samples) // 2, int(FADE_S * rate))
    if n > 0:
        ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
        samples = samples.copy()
        samples[:n] *= ramp
        samples[-n:] *= ramp[::-1]
    return samples


def assemble(pieces: Sequence[Piece], rate: int, *, tail_ms: int = 500) -> Track:
    """One track at `rate` from `pieces` in order, with a cue per piece and the chapters."""
    clips = [_fade(trim(resample(p.audio, rate)), rate) for p in pieces]
    pauses = [int(p.pause_before_ms * rate / 1000) for p in pieces]
    total = sum(len(c) for c in clips) + sum(pauses) + int(tail_ms * rate / 1000)
    out = np.zeros(total, dtype=np.float32)
    cues: list[Cue] = []
    starts: list[tuple[str, float, str | None]] = []
    pos = 0
    for piece, clip, pause in zip(pieces, clips, pauses):
        if piece.chapter is not None:
            # A chapter starts where its pause starts, so seeking to it lands on a beat of silence.
            starts.append((piece.chapter, pos / rate, piece.chapter_url))
        pos += pause
        out[pos : pos + len(clip)] = clip
        if len(clip):
            cues.append(Cue(pos / rate, (pos + len(clip)) / rate, piece.text, piece.speaker))
        pos += len(clip)
    end = total / rate
    chapters = tuple(
        Chapter(title, start, starts[i + 1][1] if i + 1 < len(starts) else end, url)
        for i, (title, start, url) in enumerate(starts)
    )
    return Track(Audio(out, rate), tuple(cues), chapters)
