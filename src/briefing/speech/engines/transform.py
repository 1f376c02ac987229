"""Derive a new voice from synthesized speech: shift its pitch and formants (vocal tract).

One bundled Piper model gives one speaker. Listeners (and speaker-embedding models) tell
speakers apart mostly by the median pitch and by the formants, which scale with vocal-tract
length, so moving both together makes a believable other person. Praat's "Change gender"
(PSOLA resynthesis, through praat-parselmouth) does exactly that and keeps speech clear; a
WORLD vocoder tried for this lost a whole point of predicted quality (DNSMOS OVRL).

Any engine can apply it: the options below are engine voice options, read after synthesis.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np

from briefing.errors import EngineError
from briefing.models import Audio

# option name -> one line of help; engines merge these into their own `voice_options`
OPTIONS: Mapping[str, str] = {
    "pitch": "median pitch as a multiple of the engine's own (1.6: a higher voice; 0.8: lower)",
    "formant": "formant (vocal-tract) shift ratio: above 1 a shorter tract (younger/female), below 1 longer",
    "pitch_range": "pitch movement as a multiple of the original: below 1 flatter, above 1 livelier",
    "rate": "speaking rate as a multiple of the engine's own, by resynthesis (prefer the engine's own rate options)",
    "tilt": "spectral tilt in dB per octave around 1 kHz: above 0 a brighter voice, below 0 a darker one",
}

# Pitch analysis range for the source voice. 75-600 Hz is Praat's default for "Change gender"
# and covers male and female voices; a narrower range mistracks one or the other.
PITCH_FLOOR = 75.0
PITCH_CEILING = 600.0

# Spectral tilt pivots at 1 kHz (it leaves the core of speech loudness alone) and stops tilting
# outside 100 Hz - 8 kHz, so it never boosts rumble or hiss.
TILT_PIVOT = 1000.0
TILT_BAND = (100.0, 8000.0)

# Leave this much headroom after resynthesis: PSOLA can overshoot the source's peak.
PEAK = 0.95


def _number(options: Mapping[str, Any], key: str, engine: str) -> float:
    value = options.get(key, 1.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.25 <= value <= 4.0:
        raise EngineError(
            engine,
            f"voice option {key} = {value!r} is not a number between 0.25 and 4",
            "Use a ratio such as 1.2 (see `briefing voices` for the options)",
        )
    return float(value)


def _tilt(options: Mapping[str, Any], engine: str) -> float:
    value = options.get("tilt", 0.0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not -6.0 <= value <= 6.0:
        raise EngineError(
            engine,
            f"voice option tilt = {value!r} is not a number of dB per octave between -6 and 6",
            "Use a small value such as -2 (darker) or 2 (brighter)",
        )
    return float(value)


def preload() -> None:
    """Import Praat (~0.09 s), which the first transformed clip would otherwise wait for."""
    import parselmouth  # noqa: F401
    from parselmouth.praat import call  # noqa: F401


def wanted(options: Mapping[str, Any]) -> bool:
    """True if `options` ask for any transform."""
    return any(options.get(k, 1) != 1 for k in ("pitch", "formant", "pitch_range", "rate")) or bool(
        options.get("tilt", 0)
    )


def tilt(samples: np.ndarray, sample_rate: int, db_per_octave: float) -> np.ndarray:
    """`samples` with their spectrum tilted by `db_per_octave` around TILT_PIVOT."""
    if not db_per_octave or len(samples) == 0:
        return samples
    spectrum = np.fft.rfft(samples.astype(np.float64))
    freqs = np.fft.rfftfreq(len(samples), 1.0 / sample_rate)
    octaves = np.log2(np.clip(freqs, *TILT_BAND) / TILT_PIVOT)
    spectrum *= 10.0 ** (db_per_octave * octaves / 20.0)
    return np.fft.irfft(spectrum, n=len(samples)).astype(np.float32)


def apply(audio: Audio, options: Mapping[str, Any], engine: str = "transform") -> Audio:
    """`audio` with the pitch, formant, pitch_range and rate in `options` applied."""
    if not wanted(options) or len(audio.samples) == 0:
        return audio
    pitch = _number(options, "pitch", engine)
    formant = _number(options, "formant", engine)
    pitch_range = _number(options, "pitch_range", engine)
    rate = _number(options, "rate", engine)
    db_per_octave = _tilt(options, engine)
    if (pitch, formant, pitch_range, rate) == (1.0, 1.0, 1.0, 1.0):
        return _level(tilt(audio.samples, audio.sample_rate, db_per_octave), audio)

    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(audio.samples.astype(np.float64), sampling_frequency=audio.sample_rate)
    median = 0.0
    if pitch != 1.0:
        track = sound.to_pitch(pitch_floor=PITCH_FLOOR, pitch_ceiling=PITCH_CEILING)
        source_median = call(track, "Get quantile", 0, 0, 0.5, "Hertz")
        # No voiced frames (a clip of pure noise or a very short word): leave pitch alone.
        if source_median == source_median and source_median > 0:  # not NaN
            median = source_median * pitch
    out = call(
        sound,
        "Change gender",
        PITCH_FLOOR,
        PITCH_CEILING,
        formant,
        median,  # 0: keep the original median
        pitch_range,
        1.0 / rate,  # Praat takes a duration factor
    )
    samples = np.asarray(out.values[0], dtype=np.float32)
    if int(round(out.sampling_frequency)) != audio.sample_rate:  # pragma: no cover - Praat keeps it
        raise EngineError(engine, "voice transform changed the sample rate")
    return _level(tilt(samples, audio.sample_rate, db_per_octave), audio)


def _level(samples: np.ndarray, source: Audio) -> Audio:
    # The engine's loudness (RMS), so voices stay comparable, with near-peaks under PEAK.
    # Not its peak: Praat's resynthesis now and then leaves a lone spike, and scaling that to
    # the peak made one take of a clip in four or five come out ~5 dB quieter than the others.
    if not len(samples):
        return Audio(samples.astype(np.float32), source.sample_rate)
    near_peak = float(np.percentile(np.abs(samples), 99.99))
    samples = np.clip(samples, -near_peak, near_peak)  # the lone spikes, before measuring
    have = float(np.sqrt(np.mean(np.square(samples, dtype=np.float64))))
    want = float(np.sqrt(np.mean(np.square(source.samples, dtype=np.float64))))
    if have > 0:
        gain = want / have
        if near_peak * gain > PEAK:
            gain = PEAK / near_peak
        samples = samples * gain
    return Audio(samples.astype(np.float32), source.sample_rate)
