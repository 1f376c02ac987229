"""Audio assembly: clips and pauses into one track, with the timings of cues and chapters.

The track is written into one preallocated buffer, so assembling N clips costs O(total audio)
rather than the O(N x track) of growing an AudioSegment clip by clip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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
    # Set by pipeline.render when the clip cache already holds this exact track's finished
    # MP3: then `audio` is the assembled track before loudness, and the MP3 is reused.
    encoded: Path | None = None
    key: str | None = None  # the track's content address in the clip cache


def _float(samples: np.ndarray) -> np.ndarray:
    # Clips from synthesis and the cache are 16-bit PCM (see cache.quantize); scale them back.
    if samples.dtype == np.int16:
        return samples.astype(np.float32) * np.float32(1 / 32767)
    return samples.astype(np.float32, copy=False)


def resample(audio: Audio, rate: int) -> np.ndarray:
    if audio.sample_rate == rate:
        return _float(audio.samples)
    import soxr

    return soxr.resample(_float(audio.samples), audio.sample_rate, rate, quality="HQ").astype(np.float32, copy=False)


def _loud_bounds(samples: np.ndarray) -> tuple[int, int]:
    threshold = TRIM_THRESHOLD * 32767 if samples.dtype == np.int16 else TRIM_THRESHOLD
    loud = np.flatnonzero(np.abs(samples) > threshold)
    if len(loud) == 0:
        return 0, 0
    return int(loud[0]), int(loud[-1]) + 1


def trim(samples: np.ndarray) -> np.ndarray:
    start, end = _loud_bounds(samples)
    return samples[start:end]


def _fade(samples: np.ndarray, rate: int) -> np.ndarray:
    """Fade `samples` in and out, in place (callers pass their own float32 copy)."""
    n = min(len(samples) // 2, int(FADE_S * rate))
    if n > 0:
        ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
        samples[:n] *= ramp
        samples[-n:] *= ramp[::-1]
    return samples


def _clip_at(audio: Audio, rate: int) -> np.ndarray:
    """A clip trimmed, at `rate`, as float32, faded: a fresh array (resampled clips are rare)."""
    if audio.sample_rate == rate:
        start, end = _loud_bounds(audio.samples)
        return _fade(_float(audio.samples[start:end]).copy(), rate)
    return _fade(trim(resample(audio, rate)).copy(), rate)


def _length_at(audio: Audio, rate: int) -> int:
    if audio.sample_rate == rate:
        start, end = _loud_bounds(audio.samples)
        return end - start
    return len(_clip_at(audio, rate))


def assemble(pieces: Sequence[Piece], rate: int, *, tail_ms: int = 500) -> Track:
    """One track at `rate` from `pieces` in order, with a cue per piece and the chapters.

    Memory stays at the clips as given plus one float32 track: lengths are measured first,
    then each clip is converted, faded and written straight into the preallocated buffer.
    """
    lengths = [_length_at(p.audio, rate) for p in pieces]
    pauses = [int(p.pause_before_ms * rate / 1000) for p in pieces]
    total = sum(lengths) + sum(pauses) + int(tail_ms * rate / 1000)
    out = np.zeros(total, dtype=np.float32)
    cues: list[Cue] = []
    starts: list[tuple[str, float, str | None]] = []
    pos = 0
    for piece, length, pause in zip(pieces, lengths, pauses):
        if piece.chapter is not None:
            # A chapter starts where its pause starts, so seeking to it lands on a beat of silence.
            starts.append((piece.chapter, pos / rate, piece.chapter_url))
        pos += pause
        if length:
            out[pos : pos + length] = _clip_at(piece.audio, rate)
            cues.append(Cue(pos / rate, (pos + length) / rate, piece.text, piece.speaker))
        pos += length
    end = total / rate
    chapters = tuple(
        Chapter(title, start, starts[i + 1][1] if i + 1 < len(starts) else end, url)
        for i, (title, start, url) in enumerate(starts)
    )
    return Track(Audio(out, rate), tuple(cues), chapters)
