"""Podcast loudness: integrated loudness to a target, peaks held under a ceiling, as heard.

"As heard" means after the MP3 codec: voicecheck and podcast apps measure the decoded MP3 at
44.1 kHz, not our float track. Two effects move the numbers between the two:
- inter-sample peaks: resampling the engine's 22.05 kHz up to 44.1 kHz brings back peaks
  between samples (+1.3 dB on the bundled voice), so the limiter works on true peaks
  (4x oversampled, as ITU-R BS.1770 measures them), with a margin for the codec under them;
- the codec: 96 kb/s LAME moves loudness and peaks a little, so the finished MP3 is decoded
  once (streamed, a chunk at a time) and measured; only if it misses is the track corrected
  and encoded again.

Everything here works a chunk at a time over the one float32 track: no full-length
temporaries (an hour at 22.05 kHz is 320 MB of float32; a copy or a 4x-oversampled envelope
of it would be the difference between a few hundred MB and several GB).
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from briefing.machine import cores
from briefing.audio.encode import MP3_RATE, encode_mp3
from briefing.errors import AudioError
from briefing.ffmpeg import ffmpeg_exe
from briefing.models import Audio

log = logging.getLogger("briefing")

# Below this the measurement is meaningless (silence or near-silence): leave the gain alone.
MIN_MEASURABLE_LUFS = -70.0
# The limiter looks 5 ms ahead and releases over ~25 ms: short enough not to pump on speech,
# long enough not to distort plosives (chosen by listening to the bundled voice at +6 dB).
LOOKAHEAD_S = 0.005
RELEASE_S = 0.025
# Room left under the ceiling for what the codec adds on top of true peaks; the check of the
# decoded MP3 corrects the rare case where that is not enough.
ENCODER_MARGIN_DB = 0.3
# The gain search on probes stops this close to target (the whole track then lands within
# ~0.3 LU of it on the bundled voice; the check of the decoded MP3 catches anything more).
LEVEL_TOLERANCE_LU = 0.1
# The decoded MP3 passes when it is within this of target and this far under the ceiling:
# EBU R128's +-0.5 LU for file-based programmes, inside the +-1 LU a podcast must meet. A
# tighter band re-encoded one episode in three for a difference no listener hears.
CODEC_TOLERANCE_LU = 0.5
CODEC_PEAK_ROOM_DB = 0.1
CODEC_ROUNDS = 2
# An MP3 that peaks over the ceiling but is loud enough is turned down by the overshoot and this
# much more: a plain gain scales the codec's input, and with it its overshoot, so the decoded
# peak moves about dB for dB. Limiting again under a lower ceiling did not: the codec overshoots
# the flattened peaks anew (the nine-minute sample came back at -1.03 dBFS, then at -1.04 with
# the ceiling 0.12 dB lower, and its last, unchecked encode at -1.01).
CODEC_PEAK_STEP_DB = 0.15
# The MP3 at 44.1 kHz measures this much quieter than the 22.05 kHz track it came from (0.49-0.50
# LU by libebur128 on three takes of the bundled voice; 0.45 by pyloudnorm; mostly K-weighting at
# the higher rate, a little the codec), so levelling aims this much higher and the check rarely
# re-encodes.
CODEC_LOUDNESS_LOSS_LU = 0.5
OVERSAMPLE = 4
_CHUNK = 1 << 19
# Context each side of a chunk that the limiter's filters reach (soxr's HQ 4x filter ~100
# samples, look-ahead and release windows ~800 at 24 kHz): chunked output equals whole-track output.
_PAD = 4096


def preload() -> None:
    """Import the libraries this stage uses (small C extensions: ~0.1 s)."""
    import pyebur128  # noqa: F401
    import soxr  # noqa: F401


def integrated_lufs(samples: np.ndarray, rate: int) -> float:
    """ITU-R BS.1770-4 integrated loudness of mono `samples`, by libebur128 (the reference
    implementation ffmpeg and most players use; tests hold it to pyloudnorm's figure)."""
    meter = Meter(rate)
    meter.feed(samples)
    return meter.lufs()


class Meter:
    """Integrated loudness and sample peak of audio fed a chunk at a time (a stream that is
    never held whole, e.g. an MP3 being decoded)."""

    def __init__(self, rate: int):
        import pyebur128

        self.rate = rate
        self.n = 0
        self.peak = 0.0
        self._state = pyebur128.R128State(1, rate, pyebur128.MeasurementMode.MODE_I)

    def feed(self, x: np.ndarray) -> None:
        if not len(x):
            return
        # A chunk at a time: |x| or a converted copy of a whole track would be as large as it.
        for start in range(0, len(x), _CHUNK):
            chunk = np.ascontiguousarray(x[start : start + _CHUNK])
            if chunk.dtype not in (np.float32, np.float64):  # libebur128 takes these as they are
                chunk = chunk.astype(np.float32)
            self.peak = max(self.peak, float(chunk.max()), -float(chunk.min()))
            self._state.add_frames(chunk, len(chunk))
        self.n += len(x)

    def lufs(self) -> float:
        return Meter.joined_lufs([self])

    @staticmethod
    def joined_lufs(meters: Sequence[Meter]) -> float:
        """Integrated loudness of the meters' audio played one after another: libebur128 gates
        all their blocks together, so it is the figure of the whole, not an average."""
        import pyebur128

        if sum(m.n for m in meters) < meters[0].rate // 2:
            return float("-inf")
        value = float(pyebur128.get_loudness_global_multiple([m._state for m in meters]))
        return value if np.isfinite(value) else float("-inf")

    @property
    def peak_dbfs(self) -> float:
        return float(20 * np.log10(max(self.peak, 1e-9)))


def peak_dbfs(samples: np.ndarray) -> float:
    return float(20 * np.log10(max(float(np.max(np.abs(samples))) if len(samples) else 0.0, 1e-9)))


def _edges(x: np.ndarray, size: int) -> np.ndarray:
    """`x` extended at both ends by repeating its end samples, for a centred window of `size`
    (the alignment of scipy.ndimage's filters with mode="nearest")."""
    left, right = size // 2, size - 1 - size // 2
    return np.concatenate((np.repeat(x[:1], left), x, np.repeat(x[-1:], right)))


def moving_min(x: np.ndarray, size: int) -> np.ndarray:
    """Minimum over a centred window of `size` samples at every sample, ends held.

    By doubling: minima over 1, 2, 4 ... samples, each one contiguous np.minimum of the last
    with itself shifted, then the two overlapping power-of-two windows that cover `size`:
    log2(size) vectorised passes."""
    if size <= 1 or len(x) == 0:
        return x.copy()
    m, span = _edges(x, size), 1
    while span * 2 <= size:
        m = np.minimum(m[:-span], m[span:])  # m[i]: min over 2 * span samples from i
        span *= 2
    n = len(x)
    return np.minimum(m[:n], m[size - span : size - span + n])


def moving_max(x: np.ndarray, size: int) -> np.ndarray:
    return -moving_min(-x, size)


def moving_mean(x: np.ndarray, size: int) -> np.ndarray:
    """Mean over a centred window of `size` samples at every sample, ends held."""
    if size <= 1 or len(x) == 0:
        return x.copy()
    total = np.concatenate(([0.0], np.cumsum(_edges(x, size), dtype=np.float64)))
    return ((total[size:] - total[:-size]) / size).astype(x.dtype)


def true_peak_envelope(samples: np.ndarray, rate: int) -> np.ndarray:
    """Per sample, the largest magnitude of the signal around it when oversampled 4x.

    For one block: callers going over a long track pass blocks with `_PAD` of context."""
    import soxr

    m = len(samples)
    up = np.abs(soxr.resample(samples, rate, rate * OVERSAMPLE, quality="HQ"))
    env = np.abs(samples).astype(np.float32)
    for k in range(OVERSAMPLE):  # strided maxima: several times faster than reshape(...).max(axis=1)
        part = up[k : m * OVERSAMPLE : OVERSAMPLE]
        np.maximum(env[: len(part)], part, out=env[: len(part)])
    # a peak between sample i and i+1 bounds the gain at both
    return moving_max(env, 3)


def _limiter_gain(block: np.ndarray, rate: int, ceiling: float) -> np.ndarray | None:
    """Per-sample gain of the look-ahead true-peak limiter over `block` (None: no limiting)."""
    return _limiter_curve(true_peak_envelope(block, rate), rate, ceiling)


def _limiter_curve(envelope: np.ndarray, rate: int, ceiling: float) -> np.ndarray | None:
    """The limiter's gain over a block whose true-peak envelope is `envelope`."""
    need = ceiling / np.maximum(envelope, 1e-9)
    if need.min() >= 1.0:
        return None
    np.minimum(need, 1.0, out=need)
    window = max(3, int(LOOKAHEAD_S * rate) * 2 + 1)
    # A moving minimum over the window, then a moving average over half of it, stays at or
    # under the gain each sample needs while never changing faster than the window allows.
    gain = moving_mean(moving_min(need, window), window // 2 + 1)
    # Hold the reduced gain a little longer so consecutive peaks don't make it flutter.
    release = max(3, int(RELEASE_S * rate))
    return np.minimum(gain, moving_mean(moving_min(gain, release), release))


def _processed(samples: np.ndarray, rate: int, gain: float, ceiling_dbfs: float, lo: int = 0, hi: int | None = None,
               before: np.ndarray | None = None, after: np.ndarray | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """(start, chunk) of `samples[lo:hi]` times `gain` through the limiter, in order, chunk by
    chunk; `before` and `after` are copies of the original samples around the range (context).

    Safe for the caller to write each chunk back into `samples` before asking for the next:
    the context a chunk needs from before it is kept from the original."""
    ceiling = 10 ** (ceiling_dbfs / 20)
    g = np.float32(gain)
    hi = len(samples) if hi is None else hi
    before = np.zeros(0, dtype=np.float32) if before is None else before  # just before the chunk
    after = np.zeros(0, dtype=np.float32) if after is None else after
    for start in range(lo, hi, _CHUNK):
        end = min(hi, start + _CHUNK)
        ahead = samples[start : min(hi, end + _PAD)]
        if end + _PAD > hi:
            ahead = np.concatenate((ahead, after[: end + _PAD - hi]))
        block = np.concatenate((before, ahead)) * g
        keep = samples[max(start, end - _PAD):end].copy()  # left context of the next chunk
        lead = len(before)
        curve = _limiter_gain(block, rate, ceiling)
        out = block[lead : lead + end - start]
        if curve is not None:
            out *= curve[lead : lead + end - start]
        np.clip(out, -ceiling, ceiling, out=out)  # the sample ceiling, whatever the smoothing did
        before = keep
        yield start, out


def _apply(samples: np.ndarray, rate: int, gain_db: float, ceiling_dbfs: float, out: np.ndarray | None,
           threads: int | None = None) -> float:
    """One pass: gain and limit `samples` (into `out` if given), return the result's LUFS.

    The track is shared out in runs of whole chunks, one per thread (soxr and numpy's large
    operations leave the GIL): a chunk's result depends only on the original samples around
    it, so it is the same on any thread; the context across each run's edges is copied first,
    since with `out` the track itself the next run may already be overwriting it."""
    n = len(samples)
    if threads is None:
        threads = cores()
    chunks = -(-n // _CHUNK)
    runs = max(1, min(threads, chunks))
    edges = [n if k == runs else min(n, (chunks * k // runs) * _CHUNK) for k in range(runs + 1)]
    context = [(samples[max(0, lo - _PAD):lo].copy(), samples[hi : hi + _PAD].copy())
               for lo, hi in zip(edges, edges[1:])]

    def run(k: int) -> Meter:
        meter = Meter(rate)
        before, after = context[k]
        for start, chunk in _processed(samples, rate, 10 ** (gain_db / 20), ceiling_dbfs, edges[k], edges[k + 1],
                                       before, after):
            meter.feed(chunk)
            if out is not None:
                out[start : start + len(chunk)] = chunk
        return meter

    if runs == 1:
        return run(0).lufs()
    with ThreadPoolExecutor(runs) as pool:
        return Meter.joined_lufs(list(pool.map(run, range(runs))))


# The gain that reaches a loudness through the limiter is searched on probes spread over the
# track (up to _PROBES pieces of _PROBE samples, ~30 s at 22.05 kHz), not on the whole track:
# a search step then costs the same for a 3-minute and a 60-minute episode.
_PROBE = 1 << 15
_PROBES = 20
SEARCH_STEPS = 6
# Limiter passes at most after the first, when the track came out too quiet (each costs a pass).
CORRECTION_PASSES = 3
# The probes misjudge the whole by a few tenths of a LU either way. Too loud is put right by a
# plain gain down (exact, one multiply); too quiet takes another limiter pass. So the search aims
# this much above the target: on nine 3-minute stretches of a ten-article episode, 3 needed two
# more passes when aiming at the target, none when aiming 0.3 LU above (levelling 3.82 -> 2.88 s,
# all landing within 0.03 LU; peaks end up to 0.3 dB further under the ceiling).
AIM_ABOVE_LU = 0.3


def _probes(n: int) -> list[tuple[int, int]]:
    count = max(1, n // _PROBE)
    picks = np.unique(np.linspace(0, count - 1, min(count, _PROBES)).astype(int))
    return [(i * _PROBE, n if i == count - 1 else (i + 1) * _PROBE) for i in picks]


class _Probes:
    """The probes of a track, each with the context the limiter reaches and its true-peak
    envelope. The envelope (a 4x resampling, two thirds of a search step's cost) is worked out
    once: the envelope of the probe at any gain is the envelope at unit gain times that gain."""

    def __init__(self, samples: np.ndarray, rate: int) -> None:
        self.rate = rate
        n = len(samples)
        self.blocks: list[tuple[np.ndarray, int, int]] = []  # (block with context, start, end in it)
        for s, e in _probes(n):
            lo, hi = max(0, s - _PAD), min(n, e + _PAD)
            self.blocks.append((samples[lo:hi], s - lo, e - lo))
        self._envelopes: list[np.ndarray] | None = None

    def lufs(self, gain_db: float | None, ceiling_dbfs: float) -> float:
        """Loudness of the probes after gain and limiting (`gain_db` None: as they are)."""
        meter = Meter(self.rate)
        if gain_db is None:
            for block, s, e in self.blocks:
                meter.feed(block[s:e])
            return meter.lufs()
        if self._envelopes is None:
            self._envelopes = [true_peak_envelope(block, self.rate) for block, _, _ in self.blocks]
        g, ceiling = np.float32(10 ** (gain_db / 20)), 10 ** (ceiling_dbfs / 20)
        for (block, s, e), envelope in zip(self.blocks, self._envelopes):
            out = block[s:e] * g
            curve = _limiter_curve(envelope, self.rate, ceiling / float(g))
            if curve is not None:
                out *= curve[s:e]
            meter.feed(np.clip(out, -ceiling, ceiling, out=out))
        return meter.lufs()


def _find_gain(samples: np.ndarray, rate: int, now_lufs: float, target_lufs: float, ceiling_dbfs: float) -> float:
    """The gain (dB) that brings `samples`, now at `now_lufs`, to `target_lufs` through the limiter."""
    probes = _Probes(samples, rate)
    offset = now_lufs - probes.lufs(None, ceiling_dbfs)  # whole track vs probes
    if not np.isfinite(offset):
        offset = 0.0
    gain_db, slope = target_lufs - now_lufs, 1.0
    tried: list[tuple[float, float]] = []
    for _ in range(SEARCH_STEPS):
        reached = probes.lufs(gain_db, ceiling_dbfs) + offset
        if not np.isfinite(reached) or abs(target_lufs - reached) <= LEVEL_TOLERANCE_LU / 2:
            break
        tried.append((gain_db, reached))
        # Secant step on loudness against gain (limiting makes the slope under 1).
        if len(tried) >= 2:
            (g0, l0), (g1, l1) = tried[-2], tried[-1]
            if abs(l1 - l0) < 0.01:
                break  # the limiter is saturated: more gain cannot get louder
            if g1 != g0:
                slope = min(1.0, max(0.1, (l1 - l0) / (g1 - g0)))
        elif reached < target_lufs:
            slope = 0.6  # a first guess at how much of added gain the limiter lets through
        gain_db += (target_lufs - reached) / slope
    return gain_db


def _scale(samples: np.ndarray, gain_db: float) -> None:
    """`samples` times a plain gain, in place, a chunk at a time (no track-sized temporary)."""
    g = np.float32(10 ** (gain_db / 20))
    for start in range(0, len(samples), _CHUNK):
        samples[start : start + _CHUNK] *= g


def level(samples: np.ndarray, rate: int, target_lufs: float, ceiling_dbfs: float, *,
          out: np.ndarray | None = None) -> np.ndarray:
    """Gain to `target_lufs` and true-peak limit to `ceiling_dbfs`, written to `out` (which may be
    `samples` itself; default a new array). The gain is searched on probes; one pass writes,
    metering what it writes, and a miss of more than LEVEL_TOLERANCE_LU is then corrected."""
    samples = samples.astype(np.float32, copy=False)
    if out is None:
        out = np.empty_like(samples)
    raw = integrated_lufs(samples, rate)
    if not (np.isfinite(raw) and raw > MIN_MEASURABLE_LUFS):
        _apply(samples, rate, 0.0, ceiling_dbfs, out)
        return out
    gain_db = _find_gain(samples, rate, raw, target_lufs + AIM_ABOVE_LU, ceiling_dbfs)
    reached = _apply(samples, rate, gain_db, ceiling_dbfs, out)
    log.debug("levelled: %.2f LUFS raw, %+.2f dB, %.2f LUFS", raw, gain_db, reached)
    # The probes stand for the whole track to within a few tenths of a LU, and the search aimed
    # AIM_ABOVE_LU high. Too loud: a plain gain down lands exactly (integrated loudness moves dB
    # for dB with gain) and lowers every peak. Too quiet all the same: more limiter passes over
    # the result, each step scaled by how much of the last one the limiter let through.
    slope = 1.0
    for _ in range(CORRECTION_PASSES):
        miss = target_lufs - reached
        if not np.isfinite(miss) or miss <= LEVEL_TOLERANCE_LU:
            break
        step = miss / slope
        now = _apply(out, rate, step, ceiling_dbfs, out)
        slope = min(1.0, max(0.1, (now - reached) / step))
        log.debug("raised %+.2f dB: %.2f LUFS", step, now)
        reached = now
    miss = target_lufs - reached
    if np.isfinite(miss) and miss < -LEVEL_TOLERANCE_LU:
        _scale(out, miss)
        log.debug("lowered %+.2f dB: %.2f LUFS", miss, reached + miss)
    return out


def meter_mp3(path: Path) -> Meter:
    """A Meter fed the MP3 at `path` as it decodes at the MP3 rate, the way apps and voicecheck
    hear it; through a pipe a chunk at a time."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path),
           "-ac", "1", "-ar", str(MP3_RATE), "-f", "f32le", "-acodec", "pcm_f32le", "pipe:1"]
    meter = Meter(MP3_RATE)
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        rest = b""
        while data := proc.stdout.read(1 << 20):
            data = rest + data
            usable = len(data) - len(data) % 4
            meter.feed(np.frombuffer(data[:usable], dtype="<f4"))
            rest = data[usable:]
        err = proc.stderr.read()
    if proc.returncode:
        raise AudioError(f"ffmpeg could not decode {path.name}: {err.decode('utf-8', 'replace').strip()[-300:]}")
    return meter


def encode_levelled(samples: np.ndarray, rate: int, path: Path, target_lufs: float, peak_dbfs_max: float, *,
                    bitrate: str = "96k", encode=None, parts: int = 1) -> Path:
    """Encode levelled `samples` to `path`, check the MP3 as heard, and only if it misses the
    target or the ceiling, correct `samples` in place and encode again. With `parts`, the
    encoder works on that many parts at once and each part is decoded for the check as soon as
    it is written."""
    encode = encode or encode_mp3
    ceiling = peak_dbfs_max - ENCODER_MARGIN_DB
    for round_ in range(CODEC_ROUNDS + 1):
        meters: dict[int, Meter] = {}
        check = None if round_ == CODEC_ROUNDS else (lambda i, mp3: meters.__setitem__(i, meter_mp3(mp3)))
        encode(Audio(samples, rate), path, bitrate=bitrate, parts=parts, on_part=check)
        if check is None:
            break
        heard = [meters[i] for i in sorted(meters)]
        heard_lufs, heard_peak = Meter.joined_lufs(heard), max(m.peak_dbfs for m in heard)
        log.debug("as heard: %.2f LUFS, peak %.2f dBFS", heard_lufs, heard_peak)
        if not (np.isfinite(heard_lufs) and heard_lufs > MIN_MEASURABLE_LUFS):
            break
        lufs_error = target_lufs - heard_lufs
        peak_over = heard_peak - (peak_dbfs_max - CODEC_PEAK_ROOM_DB)
        if abs(lufs_error) <= CODEC_TOLERANCE_LU and peak_over <= 0:
            break
        log.info("MP3 at %.2f LUFS, peak %.2f dBFS: correcting", heard_lufs, heard_peak)
        down = peak_over + CODEC_PEAK_STEP_DB
        if peak_over > 0 and abs(lufs_error + down) <= CODEC_TOLERANCE_LU:
            _scale(samples, -down)
            continue
        ceiling -= max(0.0, peak_over) + 0.05
        now = integrated_lufs(samples, rate)
        _apply(samples, rate, _find_gain(samples, rate, now, now + lufs_error, ceiling), ceiling, samples)
    return path


def normalize(samples: np.ndarray, rate: int, target_lufs: float, peak_dbfs_max: float, *,
              bitrate: str = "96k", check_codec: bool = True, in_place: bool = False) -> np.ndarray:
    """Level `samples` so the encoded MP3 measures `target_lufs` with peaks under `peak_dbfs_max`.

    With `check_codec`, encodes to a scratch MP3 to check (the pipeline does not: it checks the
    MP3 it publishes, see `encode_levelled`). `in_place` reuses `samples` (float32) as output."""
    import tempfile

    aim = target_lufs + (CODEC_LOUDNESS_LOSS_LU if rate < MP3_RATE else 0.0)
    out = level(samples, rate, aim, peak_dbfs_max - ENCODER_MARGIN_DB,
                out=samples if in_place and samples.dtype == np.float32 else None)
    if check_codec and out.any():
        with tempfile.TemporaryDirectory(prefix="briefing-loudness-") as tmp:
            encode_levelled(out, rate, Path(tmp) / "check.mp3", target_lufs, peak_dbfs_max, bitrate=bitrate)
    return out
