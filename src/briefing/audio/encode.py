"""MP3 encoding through pydub's export, with ffmpeg from the system or imageio-ffmpeg.

The float track is converted to 16-bit PCM a chunk at a time into one buffer that pydub's
AudioSegment wraps without copying, so encoding holds half the track's float size extra,
whatever the episode's length (a 60-minute episode: about 160 MB).

LAME encodes on one core. A long track is cut at pauses into one part per core, the parts
are encoded at once and joined frame by frame (ffmpeg's concat, no re-encoding); each join
would add the first part's end padding and the next part's encoder delay, so that much of
the pause is taken out beforehand and the MP3 keeps the track's timeline to the sample.
"""

from __future__ import annotations

import logging
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

import numpy as np

from briefing import atomic
from briefing.errors import AudioError
from briefing.ffmpeg import audio_segment, ffmpeg_exe
from briefing.models import Audio

log = logging.getLogger("briefing")

# Podcast apps and smart speakers expect 44.1 kHz; ffmpeg's resampler does it at encode time.
MP3_RATE = 44100
_CHUNK = 1 << 18

# LAME's frame and the delay before the first input sample decodes (its 576 plus the
# decoder's 529), in samples at the MP3 rate: what a join adds, besides the end padding.
LAME_FRAME = 1152
LAME_DELAY = 1105
# The end padding a part is given: LAME flushes a whole extra frame when the padding would be
# under 47 samples (measured, LAME 3.100), so aim well clear of that and of a frame's end.
JOIN_PADDING = 576
# A part shorter than this is not worth another encoder process (~40 ms to start).
MIN_PART_SECONDS = 45.0
# Cuts go in the middle of a pause at least this long (assemble's shortest is 350 ms), found
# within this far of the even split; a track without one is encoded whole.
CUT_PAUSE_SECONDS = 0.2
CUT_SEARCH_SECONDS = 60.0
# Quiet enough to cut in: assembled pauses are digital silence, but the pauses between the
# sentences of one clip are the engine's noise floor (Piper's: -70 to -60 dBFS once levelled).
# Counting only digital silence, the 3-minute sample was cut at 77 s of 174 (the nearest pause
# between clips), and one encoder ran 0.16 s after the other had finished.
_QUIET = 10 ** (-55 / 20)


def to_int16(samples: np.ndarray) -> bytes:
    if samples.dtype == np.int16:
        return samples.astype("<i2", copy=False).tobytes()
    return (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def pcm16(samples: np.ndarray) -> bytearray:
    """16-bit little-endian PCM of `samples`, converted chunk by chunk into one buffer."""
    buf = bytearray(len(samples) * 2)
    out = np.frombuffer(buf, dtype="<i2")
    for start in range(0, len(samples), _CHUNK):
        chunk = samples[start : start + _CHUNK]
        if chunk.dtype == np.int16:
            out[start : start + len(chunk)] = chunk
        else:
            out[start : start + len(chunk)] = np.clip(chunk, -1.0, 1.0) * 32767
    return buf


def cut_points(samples: np.ndarray, rate: int, parts: int) -> list[int]:
    """Where to cut `samples` into up to `parts` parts of about equal length: the middle of
    the pause nearest each even split. Fewer cuts where parts would be short or no pause is
    near; none for a short track."""
    parts = min(parts, int(len(samples) / rate // MIN_PART_SECONDS))
    need = int(CUT_PAUSE_SECONDS * rate)
    reach = int(min(CUT_SEARCH_SECONDS * rate, len(samples) / parts / 4)) if parts > 1 else 0
    cuts: list[int] = []
    for k in range(1, max(parts, 1)):
        ideal = len(samples) * k // parts
        lo, hi = max(0, ideal - reach), min(len(samples), ideal + reach)
        quiet = np.abs(samples[lo:hi]) <= _QUIET
        # Runs of quiet samples: where the mask steps up (start) and down (end).
        edges = np.flatnonzero(np.diff(np.concatenate(([False], quiet, [False])).astype(np.int8)))
        starts, ends = edges[0::2], edges[1::2]
        long = ends - starts >= need
        if not long.any():
            continue
        mids = lo + (starts[long] + ends[long]) // 2
        cut = int(mids[np.argmin(np.abs(mids - ideal))])
        if not cuts or cut > cuts[-1]:
            cuts.append(cut)
    return cuts


def _parts(samples: np.ndarray, rate: int, cuts: list[int]) -> list[np.ndarray]:
    """`samples` cut near `cuts` (in pauses) into parts whose joined MP3 keeps the timeline.

    Each part but the last is ended where LAME pads its last frame with JOIN_PADDING samples;
    the join adds that padding and the next part's encoder delay, so that much is left out at
    the next part's start."""
    def source(k: int) -> int:  # samples at the MP3 rate -> at `rate`
        return round(k * rate / MP3_RATE)

    out: list[np.ndarray] = []
    start = 0
    for cut in cuts:
        made = -(-(cut - start) * MP3_RATE // rate)  # what ffmpeg's resampler makes of it
        end = cut + source((-(made + LAME_DELAY)) % LAME_FRAME - JOIN_PADDING)
        out.append(samples[start:end])
        start = end + source(LAME_DELAY + JOIN_PADDING)
    out.append(samples[start:])
    return out


def _export(samples: np.ndarray, rate: int, path: Path, bitrate: str) -> None:
    segment = audio_segment()(data=pcm16(samples), sample_width=2, frame_rate=rate, channels=1)
    segment.export(str(path), format="mp3", codec="libmp3lame", bitrate=bitrate,
                   parameters=["-ar", str(MP3_RATE)]).close()


def _concat(files: list[Path], out: Path) -> None:
    listing = files[0].with_name("parts.txt")  # names in it are relative to it
    listing.write_text("".join(f"file '{f.name}'\n" for f in files), encoding="utf-8")
    # Stream copy: frames are joined as they are. The demuxer warns that the next part's
    # first timestamps overlap the last (its encoder delay); the frames are all kept.
    proc = subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
                           "-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", "-f", "mp3", str(out)],
                          capture_output=True, check=False)
    if proc.returncode:
        raise AudioError(f"ffmpeg could not join the parts: {proc.stderr.decode('utf-8', 'replace').strip()[-300:]}")


def encode_mp3(audio: Audio, path: Path, *, bitrate: str = "96k", parts: int = 1,
               on_part: Callable[[int, Path], None] | None = None) -> Path:
    """Encode `audio` to an MP3 at `path` with pydub; the file appears whole or not at all.

    With `parts` > 1, a long track is encoded in that many parts at once (see the module's
    docstring). `on_part(i, mp3)` is called on each part's MP3 as soon as it is written, on a
    thread of its own (the loudness check decodes the parts this way, side by side, and the
    last part's check runs while the parts are joined).
    """
    samples, rate = audio.samples, audio.sample_rate
    cuts = cut_points(samples, rate, parts) if parts > 1 else []
    try:
        with atomic.replacing(path, suffix=".mp3.part") as tmp:
            if not cuts:
                _export(samples, rate, tmp, bitrate)
                if on_part is not None:
                    on_part(0, tmp)
            else:
                log.debug("encoding %s in %d parts, cut at %s s", path.name, len(cuts) + 1,
                          ", ".join(f"{c / rate:.1f}" for c in cuts))
                _encode_parts(samples, rate, cuts, tmp, bitrate, on_part)
    except AudioError:
        raise
    except Exception as e:
        # Where, too: a full disk or a file-size limit is fixed in that folder, not in the audio.
        why = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise AudioError(f"could not encode {path.name} in {path.parent}: {why}; the feed and earlier "
                         f"episodes are untouched") from e
    return path


def _encode_parts(samples: np.ndarray, rate: int, cuts: list[int], out: Path, bitrate: str,
                  on_part: Callable[[int, Path], None] | None) -> None:
    pieces = _parts(samples, rate, cuts)
    with tempfile.TemporaryDirectory(prefix=".encode-", dir=out.parent) as scratch:
        files = [Path(scratch) / f"part{i}.mp3" for i in range(len(pieces))]
        with ThreadPoolExecutor(len(pieces)) as pool:
            encoded = {pool.submit(_export, piece, rate, file, bitrate): i
                       for i, (piece, file) in enumerate(zip(pieces, files))}
            checked = []
            for done in as_completed(encoded):
                done.result()
                if on_part is not None:
                    i = encoded[done]
                    checked.append(pool.submit(on_part, i, files[i]))
            # Joined while the last part is still being checked: otherwise one core would wait
            # for the check, then the other for the join.
            _concat(files, out)
            for done in checked:
                done.result()


def write_wav(audio: Audio, path: Path) -> Path:
    """A 16-bit PCM WAV of `audio` (for voice demos and inspection)."""
    import wave

    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(audio.sample_rate)
        for start in range(0, len(audio.samples), _CHUNK):
            w.writeframes(to_int16(audio.samples[start : start + _CHUNK]))
    return path
