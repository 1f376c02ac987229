"""MP3 encoding through pydub's export, with ffmpeg from the system or imageio-ffmpeg.

The float track is converted to 16-bit PCM a chunk at a time into one buffer that pydub's
AudioSegment wraps without copying, so encoding holds half the track's float size extra,
whatever the episode's length (a 60-minute episode: about 160 MB).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from briefing import atomic
from briefing.errors import AudioError
from briefing.ffmpeg import audio_segment
from briefing.models import Audio

# Podcast apps and smart speakers expect 44.1 kHz; ffmpeg's resampler does it at encode time.
MP3_RATE = 44100
_CHUNK = 1 << 18


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


def encode_mp3(audio: Audio, path: Path, *, bitrate: str = "96k") -> Path:
    """Encode `audio` to an MP3 at `path` with pydub; the file appears whole or not at all."""
    try:
        AudioSegment = audio_segment()
        segment = AudioSegment(data=pcm16(audio.samples), sample_width=2, frame_rate=audio.sample_rate, channels=1)
        with atomic.replacing(path, suffix=".mp3.part") as tmp:
            segment.export(str(tmp), format="mp3", codec="libmp3lame", bitrate=bitrate,
                           parameters=["-ar", str(MP3_RATE)]).close()
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
