"""The clip cache: hits, misses, eviction, corruption, and a warm re-run that synthesizes nothing."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from briefing.speech import engines
from briefing.speech.cache import Clip, ClipCache, clip_key, quantize
from briefing.cli import cli
from briefing.models import Voice
from briefing.speech.executors import InProcess
from briefing.models import Audio
from briefing.speech.synth import Job, synthesize
from conftest import BRIDGE_TEXT, cast_toml, write_show

RATE = 22050


def clip(seconds: float = 0.5, value: int = 1000) -> Clip:
    return Clip(np.full(int(seconds * RATE), value, dtype=np.int16), RATE)


class CountingEngine:
    """Silence of a length set by the text; counts its calls in a file so worker processes count too."""

    id = "counting"
    needs_network = False
    needs_key = False
    voice_options = {}

    def version(self) -> str:
        return "counting-1"

    def synthesize(self, text: str, voice: Voice) -> Audio:
        log = os.environ.get("COUNTING_ENGINE_LOG")
        if log:
            with open(log, "a", encoding="utf-8") as f:
                f.write(text.replace("\n", " ") + "\n")
        n = int(RATE * (0.2 + 0.01 * len(text)))
        t = np.arange(n, dtype=np.float32) / RATE
        return Audio((0.1 * np.sin(2 * np.pi * (200 + len(text)) * t)).astype(np.float32), RATE)


@pytest.fixture
def counting(tmp_path, monkeypatch) -> Path:
    engines.register("counting", CountingEngine)
    log = tmp_path / "calls.log"
    monkeypatch.setenv("COUNTING_ENGINE_LOG", str(log))
    return log


def calls(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def test_the_key_changes_with_every_input():
    base = clip_key("piper", "1.3", "piper:joe[]", "Hello.")
    assert base == clip_key("piper", "1.3", "piper:joe[]", "Hello.")
    assert len({
        base,
        clip_key("gtts", "1.3", "piper:joe[]", "Hello."),
        clip_key("piper", "1.4", "piper:joe[]", "Hello."),
        clip_key("piper", "1.3", "piper:joe[pitch=1.2]", "Hello."),
        clip_key("piper", "1.3", "piper:joe[]", "Hello!"),
        clip_key("piper", "1.3", "piper:joe[]", "Hello.", {"rate": 44100}),
    }) == 6


def test_a_stored_clip_reads_back_identical_and_counts_as_a_hit(tmp_path):
    cache = ClipCache(tmp_path)
    assert cache.get("ab" * 32) is None
    original = Clip(quantize(np.linspace(-1, 1, 999, dtype=np.float32)), 24000)
    cache.put("ab" * 32, original)
    back = cache.get("ab" * 32)
    assert back is not None and back.sample_rate == 24000
    assert np.array_equal(back.pcm, original.pcm)
    assert (cache.stats.hits, cache.stats.misses, cache.stats.writes) == (1, 1, 1)
    assert cache.usage().entries == 1


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_a_corrupt_entry_is_a_miss_and_is_removed(tmp_path, damage):
    cache = ClipCache(tmp_path)
    key = "cd" * 32
    cache.put(key, clip(1.0))
    path = cache.path(key)
    data = path.read_bytes()
    path.write_bytes({"truncate": data[: len(data) // 2], "garbage": b"not a wav at all" * 10, "empty": b""}[damage])
    assert cache.get(key) is None
    assert cache.stats.corrupt == 1
    assert not path.exists()


def test_a_killed_write_leaves_no_entry(tmp_path, monkeypatch):
    cache = ClipCache(tmp_path)
    key = "ef" * 32

    def die(*args, **kwargs):
        raise KeyboardInterrupt  # as if the run were killed mid-write

    monkeypatch.setattr(os, "replace", die)
    with pytest.raises(KeyboardInterrupt):
        cache.put(key, clip())
    monkeypatch.undo()
    assert cache.get(key) is None
    assert cache.usage().entries == 0
    assert not list(cache.path(key).parent.glob("*.part"))


def test_eviction_removes_the_least_recently_used_first(tmp_path):
    one = clip(1.0)  # 44 kB each
    cache = ClipCache(tmp_path, max_bytes=int(2.5 * one.nbytes))
    keys = [f"{i:02d}" * 32 for i in range(3)]
    for age, key in enumerate(keys):
        cache.put(key, one)
        os.utime(cache.path(key), (1000 + age, 1000 + age))
    assert cache.get(keys[0]) is not None  # the oldest is used again: now the newest
    assert cache.evict() == 1
    assert cache.get(keys[1]) is None  # the least recently used went
    assert cache.get(keys[0]) is not None and cache.get(keys[2]) is not None
    assert cache.usage().bytes <= cache.max_bytes


def test_synthesize_uses_the_cache_and_each_distinct_text_once(tmp_path, counting):
    cache = ClipCache(tmp_path / "cache")
    voice = Voice("joe", "counting", {})
    jobs = [Job(t, voice) for t in ["One.", "Two.", "One.", "Three."]]
    first = synthesize(jobs, cache=cache, executor=InProcess())
    assert sorted(calls(counting)) == ["One.", "Three.", "Two."]
    assert first[0] is first[2]
    again = synthesize(jobs, cache=cache, executor=InProcess())
    assert len(calls(counting)) == 3, "a warm run synthesized again"
    assert all(np.array_equal(a.pcm, b.pcm) for a, b in zip(first, again))
    other = Voice("joe", "counting", {"speed": 2})
    synthesize([Job("One.", other)], cache=cache, executor=InProcess())
    assert len(calls(counting)) == 4, "a different voice must not hit another voice's clip"


SHORT = BRIDGE_TEXT
COUNTING_CAST = cast_toml("counting", quotes=("ada", "ben"))


def test_a_warm_rerun_of_briefing_make_synthesizes_nothing(tmp_path, counting):
    config = write_show(tmp_path, engine="counting", extra=COUNTING_CAST)
    (tmp_path / "sources" / "bridge.txt").write_text(SHORT, encoding="utf-8")
    runner = CliRunner()
    first = runner.invoke(cli, ["--config", str(config), "make", "--date", "2026-11-20"])
    assert first.exit_code == 0, first.output
    made = len(calls(counting))
    assert made >= 4  # intro, headline, narration, the quote, outro
    mp3 = tmp_path / "output" / "2026-11-20" / "briefing-2026-11-20.mp3"
    size = mp3.stat().st_size

    second = runner.invoke(cli, ["--config", str(config), "make", "--date", "2026-11-20"])
    assert second.exit_code == 0, second.output
    assert len(calls(counting)) == made, "the warm run called the engine"
    assert mp3.stat().st_size == size

    shown = runner.invoke(cli, ["--config", str(config), "cache"])
    assert shown.exit_code == 0
    assert f"{made + 1} clips" in shown.output  # every clip, and the finished episode's MP3
    cleared = runner.invoke(cli, ["--config", str(config), "cache", "--clear"])
    assert cleared.output.startswith(f"cleared {made + 1} clips")
    assert "0 clips, 0.0 MB" in runner.invoke(cli, ["--config", str(config), "cache"]).output


def test_a_disabled_cache_keeps_nothing(tmp_path, counting):
    config = write_show(tmp_path, engine="counting", extra=COUNTING_CAST + "\n[cache]\nenabled = false\n")
    (tmp_path / "sources" / "bridge.txt").write_text(SHORT, encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["--config", str(config), "make", "--date", "2026-11-20"]).exit_code == 0
    made = len(calls(counting))
    assert runner.invoke(cli, ["--config", str(config), "make", "--date", "2026-11-20"]).exit_code == 0
    assert len(calls(counting)) == 2 * made
