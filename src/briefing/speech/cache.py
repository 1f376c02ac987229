"""The clip cache: synthesized clips on disk, addressed by everything that shaped them.

A clip's key hashes the engine id, the engine and model version, the voice (its engine, name
and options), the spoken text and the clip format, so a change to any of them is a miss and
re-running an unchanged briefing synthesizes nothing. Clips are kept as 16-bit mono WAV
(half the size of float32, self-describing, playable for inspection); the pipeline quantises
fresh clips the same way, so a warm run is sample-identical to a cold one.

The filesystem is the index: an entry is written to a temporary file and renamed into place,
so a killed run leaves no half-written entry, and an entry that does not read back whole is
treated as a miss and removed. A hit touches the file's mtime; eviction removes the least
recently used entries until the cache is under its size cap.
"""

from __future__ import annotations

import hashlib
import json
import os
import wave
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from briefing import atomic

# Bump when the stored form of a clip changes (quantisation, container), so old entries miss.
CLIP_FORMAT = "wav-int16-v1"
SUFFIX = ".wav"


@dataclass(frozen=True)
class Clip:
    """A synthesized clip kept compact: 16-bit mono PCM at one sample rate."""

    pcm: np.ndarray = field(repr=False)  # int16
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / self.sample_rate

    @property
    def nbytes(self) -> int:
        return int(self.pcm.nbytes)


def quantize(samples: np.ndarray) -> np.ndarray:
    """float samples in [-1, 1] as int16, the same rounding for fresh and cached clips."""
    return np.round(np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)


def track_key(samples: np.ndarray, rate: int, settings: Mapping[str, Any]) -> str:
    """The content address of an encoded episode: its assembled samples and how it is finished."""
    h = hashlib.sha256()
    h.update(json.dumps({"format": CLIP_FORMAT, "rate": rate, **settings}, sort_keys=True).encode())
    h.update(np.ascontiguousarray(samples).view(np.uint8))
    return h.hexdigest()


def clip_key(engine: str, engine_version: str, voice_key: str, text: str, extra: Mapping[str, Any] | None = None) -> str:
    """The content address of a clip: a hex SHA-256 of everything that shaped it."""
    doc = {
        "format": CLIP_FORMAT,
        "engine": engine,
        "version": engine_version,
        "voice": voice_key,
        "text": text,
        "extra": dict(sorted((extra or {}).items())),
    }
    blob = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(blob).hexdigest()


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    writes: int = 0
    evicted: int = 0
    corrupt: int = 0


@dataclass(frozen=True)
class Usage:
    entries: int
    bytes: int


class ClipCache:
    """Clips under `root`, at most `max_bytes` of them (0: no cap)."""

    def __init__(self, root: Path, max_bytes: int = 0) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.stats = CacheStats()

    def path(self, key: str) -> Path:
        return self.root / "clips" / key[:2] / f"{key}{SUFFIX}"

    def get(self, key: str) -> Clip | None:
        """The clip stored under `key`, or None (a corrupt entry is removed and is a miss)."""
        path = self.path(key)
        try:
            with wave.open(str(path), "rb") as w:
                if w.getnchannels() != 1 or w.getsampwidth() != 2:
                    raise wave.Error("not 16-bit mono")
                n = w.getnframes()
                rate = w.getframerate()
                data = w.readframes(n)
            if len(data) != 2 * n:
                raise wave.Error(f"truncated: {len(data)} of {2 * n} bytes")
        except FileNotFoundError:
            self.stats.misses += 1
            return None
        except (wave.Error, EOFError, OSError, ValueError):
            self.stats.corrupt += 1
            self.stats.misses += 1
            path.unlink(missing_ok=True)
            return None
        try:
            os.utime(path)  # least recently *used*: a hit renews the entry
        except OSError:
            pass
        self.stats.hits += 1
        return Clip(np.frombuffer(data, dtype="<i2").astype(np.int16, copy=False), rate)

    def put(self, key: str, clip: Clip) -> None:
        """Store `clip` under `key`; the entry appears whole or not at all."""
        with atomic.replacing(self.path(key), mode=None) as tmp:
            with wave.open(str(tmp), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(clip.sample_rate)
                w.writeframes(clip.pcm.astype("<i2", copy=False).tobytes())
        self.stats.writes += 1

    # -- encoded episodes ----------------------------------------------------------------
    # An unchanged briefing assembles to the same samples; its MP3 is kept too, so a warm
    # re-run skips loudness and encoding as well as synthesis. Same cap, same LRU.

    def encoded_path(self, key: str) -> Path:
        return self.root / "clips" / "mp3" / f"{key}.mp3"

    def get_encoded(self, key: str) -> Path | None:
        path = self.encoded_path(key)
        if not path.is_file() or path.stat().st_size == 0:
            return None
        try:
            os.utime(path)
        except OSError:
            pass
        return path

    def put_encoded(self, key: str, mp3: Path) -> None:
        import shutil

        with atomic.replacing(self.encoded_path(key), mode=None) as tmp:
            shutil.copyfile(mp3, tmp)

    def _entries(self) -> list[tuple[float, int, Path]]:
        out: list[tuple[float, int, Path]] = []
        clips = self.root / "clips"
        if not clips.is_dir():
            return out
        for sub in os.scandir(clips):
            if not sub.is_dir():
                continue
            for entry in os.scandir(sub.path):
                if entry.name.endswith((SUFFIX, ".mp3")) and not entry.name.startswith("."):
                    try:
                        st = entry.stat()
                    except FileNotFoundError:
                        continue
                    out.append((st.st_mtime, st.st_size, Path(entry.path)))
        return out

    def usage(self) -> Usage:
        entries = self._entries()
        return Usage(len(entries), sum(size for _, size, _ in entries))

    def evict(self) -> int:
        """Remove least recently used entries until the cache fits its cap; how many went."""
        if self.max_bytes <= 0:
            return 0
        entries = self._entries()
        total = sum(size for _, size, _ in entries)
        removed = 0
        for _, size, path in sorted(entries, key=lambda e: e[0]):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
            removed += 1
        self.stats.evicted += removed
        return removed

    def clear(self) -> Usage:
        """Remove every entry (and leftovers of killed runs); what was removed."""
        before = self.usage()
        clips = self.root / "clips"
        if clips.is_dir():
            for sub in os.scandir(clips):
                if sub.is_dir():
                    for entry in os.scandir(sub.path):
                        Path(entry.path).unlink(missing_ok=True)
                    try:
                        os.rmdir(sub.path)
                    except OSError:
                        pass
        return before
