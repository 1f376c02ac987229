"""MP3 encoding: 16-bit PCM streamed to ffmpeg's stdin, written atomically.

Straight to ffmpeg (libmp3lame) rather than through pydub's export: pydub would hold a second
copy of the track as an AudioSegment and write it to a temporary WAV first. Here the float
track is converted a chunk at a time, so encoding adds a few MB whatever the episode's length.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np

from briefing import atomic
from briefing.errors import AudioError
from briefing.ffmpeg import ffmpeg_exe
from briefing.models import Audio

# Podcast apps and smart speakers expect 44.1 kHz; ffmpeg's resampler does it at encode time.
MP3_RATE = 44100
_CHUNK = 1 << 18


def to_int16(samples: np.ndarray) -> bytes:
    if samples.dtype == np.int16:
        return samples.astype("<i2", copy=False).tobytes()
    return (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def encode_mp3(audio: Audio, path: Path, *, bitrate: str = "96k") -> Path:
    """Encode `audio` to an MP3 at `path`; the file appears whole or not at all."""
    samples = audio.samples
    try:
        with atomic.replacing(path, suffix=".mp3.part") as tmp, tempfile.TemporaryFile() as err:
            cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
                   "-f", "s16le", "-ar", str(audio.sample_rate), "-ac", "1", "-i", "pipe:0",
                   "-ar", str(MP3_RATE), "-codec:a", "libmp3lame", "-b:a", bitrate, "-f", "mp3", str(tmp)]
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
            try:
                for start in range(0, len(samples), _CHUNK):
                    proc.stdin.write(to_int16(samples[start : start + _CHUNK]))
                proc.stdin.close()
            except BrokenPipeError:
                pass  # ffmpeg stopped early; its exit status and message say why
            finally:
                code = proc.wait()
            if code:
                err.seek(0)
                message = err.read().decode("utf-8", "replace").strip().splitlines()
                raise AudioError(message[-1] if message else f"ffmpeg exit status {code}")
    except AudioError as e:
        raise AudioError(f"could not encode {path.name}: {e}") from e
    except Exception as e:
        raise AudioError(f"could not encode {path.name}: {e}") from e
    return path


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
