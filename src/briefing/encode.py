"""MP3 encoding through pydub and ffmpeg, written atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from briefing import atomic
from briefing.errors import AudioError
from briefing.ffmpeg import audio_segment
from briefing.models import Audio

# Podcast apps and smart speakers expect 44.1 kHz; ffmpeg's resampler does it at encode time.
MP3_RATE = 44100


def to_int16(samples: np.ndarray) -> bytes:
    return (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()


def encode_mp3(audio: Audio, path: Path, *, bitrate: str = "96k") -> Path:
    """Encode `audio` to an MP3 at `path`; the file appears whole or not at all."""
    AudioSegment = audio_segment()
    segment = AudioSegment(
        data=to_int16(audio.samples), sample_width=2, frame_rate=audio.sample_rate, channels=1
    )
    try:
        with atomic.replacing(path, suffix=".mp3.part") as tmp:
            segment.export(str(tmp), format="mp3", bitrate=bitrate, parameters=["-ar", str(MP3_RATE)])
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
        w.writeframes(to_int16(audio.samples))
    return path
