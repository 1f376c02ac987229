"""Where ffmpeg comes from, and decoding compressed audio with it.

The system's ffmpeg is used when there is one; otherwise the binary bundled with the
`imageio-ffmpeg` wheel, so a fresh machine needs nothing beyond PyPI. imageio-ffmpeg ships no
ffprobe, so decoding here calls ffmpeg directly instead of `AudioSegment.from_file` (which
probes the file with ffprobe first).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import warnings
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from briefing.errors import AudioError
from briefing.models import Audio

if TYPE_CHECKING:
    from pydub import AudioSegment


@cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary: the system's, else imageio-ffmpeg's bundled one."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as e:
        raise AudioError(
            f"no ffmpeg found ({e}). Install the imageio-ffmpeg package or put ffmpeg on PATH"
        ) from e


@cache
def audio_segment() -> type[AudioSegment]:
    """pydub's AudioSegment class, set to use `ffmpeg_exe()` for encoding and decoding."""
    with warnings.catch_warnings():
        # pydub warns at import when ffmpeg is not on PATH; we point it at one just below.
        warnings.filterwarnings("ignore", message="Couldn't find ff", category=RuntimeWarning)
        from pydub import AudioSegment

    AudioSegment.converter = ffmpeg_exe()
    return AudioSegment


def configure_pydub() -> None:
    """Point pydub at `ffmpeg_exe()`; call before exporting with pydub."""
    audio_segment()


_RATE = re.compile(r"Audio:.*?(\d+) Hz")


def decode(data: bytes | Path, *, sample_rate: int | None = None) -> Audio:
    """Decode any audio ffmpeg reads (MP3, WAV, ...) to mono float32 `Audio`.

    With `sample_rate`, resample to it; otherwise keep the file's own rate.
    """
    source = str(data) if isinstance(data, Path) else "pipe:0"
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", source, "-ac", "1"]
    if sample_rate:
        cmd += ["-ar", str(sample_rate)]
    cmd += ["-f", "f32le", "-acodec", "pcm_f32le", "pipe:1"]
    proc = subprocess.run(
        cmd,
        input=None if isinstance(data, Path) else data,
        capture_output=True,
        check=False,
    )
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        last = err.strip().splitlines()[-1] if err.strip() else f"exit status {proc.returncode}"
        raise AudioError(f"ffmpeg could not decode {source if source != 'pipe:0' else 'audio'}: {last}")
    if sample_rate is None:
        m = _RATE.search(err)
        if not m:
            raise AudioError("ffmpeg did not report the audio's sample rate")
        sample_rate = int(m.group(1))
    samples = np.frombuffer(proc.stdout, dtype="<f4").astype(np.float32)
    return Audio(samples, sample_rate)
