"""Podcast loudness: integrated loudness to a target, peaks held under a ceiling, as heard.

"As heard" means after the MP3 codec: voicecheck and podcast apps measure the decoded MP3 at
44.1 kHz, not our float track. Two effects move the numbers between the two, so both are
handled here rather than hoped away:
- inter-sample peaks: resampling the engine's 22.05 kHz up to 44.1 kHz brings back peaks
  between samples (+1.3 dB on the bundled voice), so the limiter works on true peaks
  (4x oversampled, as ITU-R BS.1770 measures them);
- the codec: 96 kb/s LAME took 0.45 LU off the bundled voice and added 0.5 dB of peak, so the
  track is encoded once in memory, measured, and levelled again with the difference.
"""

from __future__ import annotations

import logging

import numpy as np

log = logging.getLogger("briefing")

# Below this the measurement is meaningless (silence or near-silence): leave the gain alone.
MIN_MEASURABLE_LUFS = -70.0
# The limiter looks 5 ms ahead and releases over ~25 ms: short enough not to pump on speech,
# long enough not to distort plosives (chosen by listening to the bundled voice at +6 dB).
LOOKAHEAD_S = 0.005
RELEASE_S = 0.025
# Room left under the ceiling for what the codec adds on top of true peaks; the codec check
# then measures the real overshoot and corrects for it.
ENCODER_MARGIN_DB = 0.3
# Levelling repeats gain and limiting until integrated loudness is this close to target
# (limiting lowers loudness, so one pass falls short on hot engines).
LEVEL_TOLERANCE_LU = 0.1
LEVEL_PASSES = 5
# The codec check passes when the decoded MP3 is within this of target and this far under
# the ceiling: well inside the +-1 LU and -1 dBFS a podcast must meet.
CODEC_TOLERANCE_LU = 0.3
CODEC_PEAK_ROOM_DB = 0.1
CODEC_ROUNDS = 2
OVERSAMPLE = 4
_CHUNK = 1 << 20


def integrated_lufs(samples: np.ndarray, rate: int) -> float:
    """ITU-R BS.1770-4 integrated loudness of mono `samples`.

    pyloudnorm's K-weighting filters with its gating done in arrays: the same figure as
    `pyloudnorm.Meter.integrated_loudness` (a test holds them equal) in a tenth of the time,
    which matters because levelling measures the whole episode several times.
    """
    import pyloudnorm
    from scipy.signal import lfilter

    if len(samples) < rate // 2:
        return float("-inf")
    meter = pyloudnorm.Meter(rate)
    n = len(samples)
    block, step = meter.block_size, meter.block_size * (1.0 - meter.overlap)
    count = int(np.round((n / rate - block) / step)) + 1
    lo = (block * np.arange(count) * (1.0 - meter.overlap) * rate).astype(np.int64)
    hi = (block * (np.arange(count) * (1.0 - meter.overlap) + 1) * rate).astype(np.int64)
    hi = np.minimum(hi, n)
    # Filter and sum energy chunk by chunk (filter state carried across), keeping only the
    # cumulative energy at block edges: memory stays at a chunk, not 3 float64 copies of an
    # hour-long episode.
    stages = [(st.b, st.a, st.passband_gain) for st in meter._filters.values()]
    states = [np.zeros(max(len(b), len(a)) - 1) for b, a, _ in stages]
    edges = np.unique(np.concatenate((lo, hi)))
    at_edge = np.zeros(len(edges))
    carry = 0.0
    for start in range(0, n, _CHUNK):
        data = samples[start : start + _CHUNK].astype(np.float64)
        for k, (b, a, gain) in enumerate(stages):
            data, states[k] = lfilter(b, a, data, zi=states[k])
            data *= gain
        energy = np.cumsum(data * data)
        energy += carry
        end = start + len(data)
        pick = (edges > start) & (edges <= end)
        at_edge[pick] = energy[edges[pick] - start - 1]
        carry = float(energy[-1])
    z = (at_edge[np.searchsorted(edges, hi)] - at_edge[np.searchsorted(edges, lo)]) / (block * rate)
    with np.errstate(divide="ignore"):
        loud = -0.691 + 10.0 * np.log10(z)
    gated = z[loud >= -70.0]
    if not len(gated):
        return float("-inf")
    relative = -0.691 + 10.0 * np.log10(gated.mean()) - 10.0
    kept = z[(loud > relative) & (loud > -70.0)]
    if not len(kept):
        return float("-inf")
    return float(-0.691 + 10.0 * np.log10(kept.mean()))


def peak_dbfs(samples: np.ndarray) -> float:
    return float(20 * np.log10(max(float(np.max(np.abs(samples))) if len(samples) else 0.0, 1e-9)))


def true_peak_envelope(samples: np.ndarray) -> np.ndarray:
    """Per sample, the largest magnitude of the signal around it when oversampled 4x."""
    from scipy.ndimage import maximum_filter1d
    from scipy.signal import resample_poly

    n = len(samples)
    env = np.abs(samples).astype(np.float32)
    pad = 64  # > half the resampling filter: chunk edges see their neighbours
    for start in range(0, n, _CHUNK):
        lo, hi = max(0, start - pad), min(n, start + _CHUNK + pad)
        up = np.abs(resample_poly(samples[lo:hi], OVERSAMPLE, 1))
        m = (hi - lo)
        up = up[: m * OVERSAMPLE].reshape(m, OVERSAMPLE).max(axis=1)
        a, b = start - lo, start - lo + min(_CHUNK, n - start)
        env[start : start + (b - a)] = np.maximum(env[start : start + (b - a)], up[a:b])
    # a peak between sample i and i+1 bounds the gain at both
    return maximum_filter1d(env, size=3, mode="nearest")


def limit(samples: np.ndarray, rate: int, ceiling_dbfs: float, envelope: np.ndarray | None = None) -> np.ndarray:
    """A look-ahead true-peak limiter: gain never above what keeps every peak under the ceiling.

    `envelope` is `true_peak_envelope(samples)` if the caller has it already.
    """
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    ceiling = 10 ** (ceiling_dbfs / 20)
    if envelope is None:
        envelope = true_peak_envelope(samples)
    need = np.minimum(1.0, ceiling / np.maximum(envelope, 1e-9))
    if need.min() >= 1.0:
        return samples
    window = max(3, int(LOOKAHEAD_S * rate) * 2 + 1)
    # A moving minimum over the window, then a moving average over half of it, stays at or
    # under the gain each sample needs while never changing faster than the window allows.
    gain = minimum_filter1d(need, size=window, mode="nearest")
    gain = uniform_filter1d(gain, size=window // 2 + 1, mode="nearest")
    # Hold the reduced gain a little longer so consecutive peaks don't make it flutter.
    release = max(3, int(RELEASE_S * rate))
    gain = np.minimum(gain, uniform_filter1d(minimum_filter1d(gain, size=release, mode="nearest"), size=release, mode="nearest"))
    out = samples * gain
    # Guarantee the sample ceiling whatever the smoothing did at the edges.
    return np.clip(out, -ceiling, ceiling).astype(np.float32)


def level(samples: np.ndarray, rate: int, target_lufs: float, ceiling_dbfs: float) -> np.ndarray:
    """Gain to `target_lufs` and true-peak limit to `ceiling_dbfs`, repeated until on target."""
    return _Leveller(samples, rate).run(target_lufs, ceiling_dbfs)


class _Leveller:
    """Levels one track to a target, remembering the gain and slope it found, so levelling
    again to a slightly different target (after the codec check) takes a pass or two."""

    def __init__(self, samples: np.ndarray, rate: int):
        self.samples = samples.astype(np.float32, copy=False)  # not mutated: no second copy
        self.rate = rate
        self.envelope = true_peak_envelope(self.samples)  # scales with gain: measured once
        self.raw_lufs = integrated_lufs(self.samples, rate)
        self.gain_db: float | None = None
        self.slope = 1.0

    def run(self, target_lufs: float, ceiling_dbfs: float) -> np.ndarray:
        if not (np.isfinite(self.raw_lufs) and self.raw_lufs > MIN_MEASURABLE_LUFS):
            return limit(self.samples, self.rate, ceiling_dbfs, self.envelope)
        gain_db = target_lufs - self.raw_lufs if self.gain_db is None else self.gain_db
        tried: list[tuple[float, float]] = []  # (gain, loudness reached)
        for _ in range(LEVEL_PASSES):
            g = np.float32(10 ** (gain_db / 20))
            out = limit(self.samples * g, self.rate, ceiling_dbfs, self.envelope * g)
            reached = integrated_lufs(out, self.rate)
            self.gain_db = gain_db
            if abs(target_lufs - reached) <= LEVEL_TOLERANCE_LU:
                break
            tried.append((gain_db, reached))
            # Secant step on loudness against gain (limiting makes the slope under 1), always
            # from the original samples so limiting never compounds.
            if len(tried) >= 2:
                (g0, l0), (g1, l1) = tried[-2], tried[-1]
                if abs(l1 - l0) < 0.01:
                    break  # the limiter is saturated: more gain cannot get louder
                if g1 != g0:
                    self.slope = min(1.0, max(0.2, (l1 - l0) / (g1 - g0)))
            gain_db += (target_lufs - reached) / self.slope
        return out

    def nudge(self, lufs_error: float) -> None:
        """Start the next run from where this target's gain, moved by `lufs_error`, should land."""
        if self.gain_db is not None:
            self.gain_db += lufs_error / self.slope


def measure_encoded(samples: np.ndarray, rate: int, bitrate: str) -> tuple[float, float]:
    """(integrated LUFS, sample peak dBFS) of `samples` as an MP3 decodes, the way apps hear it."""
    import tempfile
    from pathlib import Path

    from briefing.encode import encode_mp3
    from briefing.ffmpeg import decode
    from briefing.models import Audio

    with tempfile.TemporaryDirectory(prefix="briefing-loudness-") as tmp:
        path = encode_mp3(Audio(samples, rate), Path(tmp) / "check.mp3", bitrate=bitrate)
        heard = decode(path)
    return integrated_lufs(heard.samples, heard.sample_rate), peak_dbfs(heard.samples)


def normalize(samples: np.ndarray, rate: int, target_lufs: float, peak_dbfs_max: float, *,
              bitrate: str = "96k", check_codec: bool = True) -> np.ndarray:
    """Level `samples` so the encoded MP3 measures `target_lufs` with peaks under `peak_dbfs_max`."""
    target, ceiling = target_lufs, peak_dbfs_max - ENCODER_MARGIN_DB
    leveller = _Leveller(samples, rate)
    out = leveller.run(target, ceiling)
    if not check_codec or not np.isfinite(leveller.raw_lufs) or leveller.raw_lufs <= MIN_MEASURABLE_LUFS:
        return out
    for _ in range(CODEC_ROUNDS):
        heard_lufs, heard_peak = measure_encoded(out, rate, bitrate)
        log.debug("loudness after encoding: %.2f LUFS, peak %.2f dBFS", heard_lufs, heard_peak)
        lufs_error = target_lufs - heard_lufs
        peak_over = heard_peak - (peak_dbfs_max - CODEC_PEAK_ROOM_DB)
        if abs(lufs_error) <= CODEC_TOLERANCE_LU and peak_over <= 0:
            break
        target += lufs_error
        ceiling -= max(0.0, peak_over)
        leveller.nudge(lufs_error)
        out = leveller.run(target, ceiling)
    return out
