"""The episode's MP3: a levelled track encoded, tagged under a hidden name, then renamed, so
the published file always has its tags and a failed run leaves the old one in place."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from briefing import atomic
from briefing.audio import tags
from briefing.audio.encode import encode_mp3
from briefing.audio.loudness import encode_levelled
from briefing.machine import cores
from briefing.models import Chapter


@dataclass(frozen=True)
class Mp3Settings:
    """What the encoder needs of [audio]."""

    loudness_lufs: float
    peak_dbfs: float
    bitrate: str


@dataclass(frozen=True)
class Tags:
    title: str
    artist: str
    album: str
    date: str
    chapters: Sequence[Chapter] = ()
    comment: str = ""
    cover: tuple[bytes, str] | None = None  # JPEG bytes and MIME type


def write_mp3(samples: np.ndarray, rate: int, path: Path, mp3: Mp3Settings, tagged: Tags, *,
              encoded: Path | None = None, keep_encoded: Callable[[Path], None] | None = None) -> Path:
    """Write the episode MP3 at `path`: `encoded` (the same track's MP3 from an earlier run) is
    copied, else `samples` are encoded and checked as heard; `keep_encoded` sees the untagged MP3."""
    untagged = path.with_name(f".{path.stem}.untagged.mp3")
    try:
        if encoded is not None:
            shutil.copyfile(encoded, untagged)
        else:
            encode_levelled(samples, rate, untagged, mp3.loudness_lufs, mp3.peak_dbfs,
                            bitrate=mp3.bitrate, encode=encode_mp3, parts=cores())
            if keep_encoded is not None:
                keep_encoded(untagged)
        tags.write(untagged, title=tagged.title, artist=tagged.artist, album=tagged.album, date=tagged.date,
                   chapters=tagged.chapters, comment=tagged.comment, cover=tagged.cover)
        untagged.chmod(atomic.PUBLIC)  # the encoder made it 0600; web servers must read it
        untagged.replace(path)
    finally:
        untagged.unlink(missing_ok=True)
    return path


def finishing_key(mp3: Mp3Settings) -> dict:
    """What turns an assembled track into the MP3 (settings and the code that does it): part of
    the encoded track's key in the clip cache, so a change to either encodes anew."""
    from importlib.resources import files

    code = hashlib.sha256()
    for module in ("loudness.py", "encode.py"):
        code.update(files("briefing.audio").joinpath(module).read_bytes())
    return {"lufs": mp3.loudness_lufs, "peak": mp3.peak_dbfs, "bitrate": mp3.bitrate, "code": code.hexdigest()}
