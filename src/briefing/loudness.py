"""Podcast loudness: integrated loudness to a target, peaks held under a ceiling."""

from __future__ import annotations

import numpy as np

# Below this the measurement is meaningless (silence or near-silence): leave the gain alone.
MIN_MEASURABLE_LUFS = -70.0
# The limiter looks 5 ms ahead and releases over ~25 ms: short enough not to pump on speech,
# long enough not to distort plosives (chosen by listening to the bundled voice at +6 dB).
LOOKAHEAD_S = 0.005
RELEASE_S = 0.025
# MP3 encoding overshoots sample peaks by a few tenths of a dB; leave room for it.
ENCODER_MARGIN_DB = 0.6


def integrated_lufs(samples: np.ndarray, rate: int) -> float:
    import pyloudnorm

    if len(samples) < rate // 2:
        return float("-inf")
    return float(pyloudnorm.Meter(rate).integrated_loudness(samples.astype(np.float64)))


def limit(samples: np.ndarray, rate: int, ceiling_dbfs: float) -> np.ndarray:
    """A look-ahead peak limiter: gain never above what keeps every sample under the ceiling."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    ceiling = 10 ** (ceiling_dbfs / 20)
    peak = np.abs(samples)
    need = np.minimum(1.0, ceiling / np.maximum(peak, 1e-9))
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
    # Guarantee the ceiling whatever the smoothing did at the edges.
    return np.clip(out, -ceiling, ceiling).astype(np.float32)


def normalize(samples: np.ndarray, rate: int, target_lufs: float, peak_dbfs: float) -> np.ndarray:
    """Gain to `target_lufs` integrated, then limit peaks to `peak_dbfs` less the encoder margin."""
    lufs = integrated_lufs(samples, rate)
    out = samples.astype(np.float32)
    if np.isfinite(lufs) and lufs > MIN_MEASURABLE_LUFS:
        out = out * np.float32(10 ** ((target_lufs - lufs) / 20))
    out = limit(out, rate, peak_dbfs - ENCODER_MARGIN_DB)
    # Limiting lowers loudness a little; one correction pass brings it back to target.
    lufs2 = integrated_lufs(out, rate)
    if np.isfinite(lufs2) and lufs2 > MIN_MEASURABLE_LUFS and abs(lufs2 - target_lufs) > 0.3:
        out = limit(out * np.float32(10 ** ((target_lufs - lufs2) / 20)), rate, peak_dbfs - ENCODER_MARGIN_DB)
    return out
