"""Parallel synthesis: same clips in the same order as one at a time, clear errors, bounded online engines."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from briefing.speech import engines
from briefing.speech import executors
from briefing.models import Voice
from briefing.errors import EngineError
from briefing.speech.executors import InProcess, NetworkPool, ProcessPool, RateLimiter, ThreadPool
from briefing.models import Audio
from briefing.speech.synth import Job, synthesize

TEXTS = [
    "The harbour bridge reopened on Monday.",
    "Repairs to its steel deck took three months.",
    "We are delighted, said the council.",
    "It cost less than expected.",
    "Drivers will notice a smoother crossing.",
    "The work finished a week early.",
]


def same(a, b) -> bool:
    return len(a) == len(b) and all(
        x.sample_rate == y.sample_rate and np.array_equal(x.pcm, y.pcm) for x, y in zip(a, b)
    )


def test_the_pool_gives_the_same_clips_in_the_same_order_as_one_at_a_time():
    voices = [Voice("joe", "silence", {}), Voice("ada", "silence", {})]
    jobs = [Job(t * (1 + i % 3), voices[i % 2]) for i, t in enumerate(TEXTS * 3)]
    seen: list[tuple[int, int]] = []
    one = synthesize(jobs, executor=InProcess())
    pool = ProcessPool(2)
    try:
        many = synthesize(jobs, executor=pool, progress=lambda d, t: seen.append((d, t)))
    finally:
        pool.close()
    assert same(one, many)
    assert [round(c.seconds, 2) for c in many] == [round(c.seconds, 2) for c in one]
    assert seen[-1] == (len(jobs), len(jobs))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


class Fails:
    id = "fails"
    needs_network = False
    needs_key = False
    voice_options = {}

    def version(self) -> str:
        return "1"

    def synthesize(self, text: str, voice: Voice) -> Audio:
        if "boom" in text:
            raise RuntimeError("the model fell over")
        return Audio(np.zeros(100, np.float32), 16000)


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_an_engine_failure_in_a_worker_names_the_engine(start, monkeypatch):
    # Whether workers fork or spawn depends on whether other threads are running; an engine
    # registered by hand must reach the workers either way.
    monkeypatch.setattr(executors.threading, "active_count", lambda: 1 if start == "fork" else 2)
    engines.register("fails", Fails)
    voice = Voice("joe", "fails", {})
    pool = ProcessPool(2)
    try:
        with pytest.raises(EngineError) as e:
            synthesize([Job("fine", voice), Job("it goes boom here", voice), Job("also fine", voice)], executor=pool)
    finally:
        pool.close()
    assert str(e.value) == (
        "speech engine 'fails': failed on 'it goes boom here': RuntimeError: the model fell over"
    )
    assert e.value.engine == "fails"


class Online:
    """A pretend web API: records how many requests are in flight and when each started."""

    id = "online"
    needs_network = True
    needs_key = False
    voice_options = {}
    lock = threading.Lock()
    in_flight = 0
    most = 0
    starts: list[float] = []

    def version(self) -> str:
        return "1"

    def synthesize(self, text: str, voice: Voice) -> Audio:
        cls = type(self)
        with cls.lock:
            cls.starts.append(time.monotonic())
            cls.in_flight += 1
            cls.most = max(cls.most, cls.in_flight)
        time.sleep(0.05)
        with cls.lock:
            cls.in_flight -= 1
        return Audio(np.full(len(text) * 10, 0.1, np.float32), 16000)


def test_online_engines_run_with_bounded_concurrency_and_a_rate_limit():
    engines.register("online", Online)
    voice = Voice("joe", "online", {})
    jobs = [Job(f"request number {i}", voice) for i in range(12)]
    clips = synthesize(jobs, network=NetworkPool(concurrency=3, rate=40.0))
    assert [len(c.pcm) for c in clips] == [len(j.text) * 10 for j in jobs]
    assert 1 < Online.most <= 3
    # Starts are spaced 1/40 s apart; a loaded machine may wake a thread late (so one gap
    # looks short), but 12 starts can never fit in less than 11 spacings.
    starts = sorted(Online.starts)
    assert starts[-1] - starts[0] >= 11 / 40 - 0.01


def test_the_rate_limiter_spaces_starts_evenly():
    limiter = RateLimiter(50.0)
    t0 = time.monotonic()
    for _ in range(6):
        limiter.wait()
    assert time.monotonic() - t0 >= 5 / 50 - 0.005


def test_piper_runs_on_threads_sharing_one_model_and_other_engines_on_processes():
    from briefing.speech.synth import local_executor

    assert isinstance(local_executor(10, 2, engine_ids=["piper"]), ThreadPool)
    assert isinstance(local_executor(10, 2, engine_ids=["piper", "silence"]), ProcessPool)
    assert isinstance(local_executor(1, 2, engine_ids=["piper"]), InProcess)


@pytest.mark.slow
@pytest.mark.parametrize("make_pool", [ProcessPool, ThreadPool])
def test_real_piper_in_the_pool_matches_one_process_sample_for_sample(make_pool):
    # Piper's generator noise makes every run differ; with the noise scales at zero it is
    # deterministic, which lets the pool be compared with one process exactly.
    plain = Voice("joe", "piper", {"noise_scale": 0.0, "noise_w": 0.0})
    shifted = Voice("ada", "piper", {"noise_scale": 0.0, "noise_w": 0.0, "pitch": 1.5, "formant": 1.15})
    # a sentence long enough to be read in two utterances (in the plain voice, compared exactly)
    long = ("The council said on Monday that the bridge, closed since the storm in the spring, "
            "would reopen to traffic in both directions before the end of the month.")
    jobs = [Job(t, plain if i % 2 else shifted) for i, t in enumerate([*TEXTS[:5], long])]
    one = synthesize(jobs, executor=InProcess())
    pool = make_pool(2)
    try:
        many = synthesize(jobs, executor=pool)
    finally:
        pool.close()
    assert [len(c.pcm) for c in many] == [len(c.pcm) for c in one]
    plain_clips = [(a, b) for i, (a, b) in enumerate(zip(one, many)) if i % 2]
    assert all(np.array_equal(a.pcm, b.pcm) for a, b in plain_clips)
    # Praat's resynthesis for derived voices varies a little run to run even in one
    # process: the same length and loudness is what can be asked of it.
    for a, b in zip(one[::2], many[::2]):
        rms = [float(np.sqrt(np.mean(c.pcm.astype(np.float64) ** 2))) for c in (a, b)]
        assert rms[1] == pytest.approx(rms[0], rel=0.05)
    assert all(c.seconds > 0.5 and np.abs(c.pcm).max() > 3000 for c in many), "silent clip"


@pytest.mark.parametrize("seconds_each, given_back", [(1.0, "shrink"), (120.0, "release")])
def test_the_thread_pool_gives_its_models_back_after_a_long_episode(monkeypatch, seconds_each, given_back):
    # A worker process gives its models back by exiting; a thread pool asks its engines to,
    # once it has made enough speech for the episode's assembly and encoding to need the room.
    # After a short episode the models stay, and only their free buffers go back, on a thread
    # of the pool's own that does not hold up the episode.
    calls: list[tuple[str, str]] = []

    class Keeps(Fails):
        id = "keeps"
        concurrent_threads = True

        def synthesize(self, text: str, voice: Voice) -> Audio:
            return Audio(np.zeros(int(seconds_each * 8000), np.float32), 8000)

        def release(self) -> None:
            calls.append(("release", threading.current_thread().name))

        def shrink(self) -> None:
            calls.append(("shrink", threading.current_thread().name))

    monkeypatch.setitem(engines._INSTANCES, "keeps", Keeps())
    clips = synthesize([Job(t, Voice("joe", "keeps", {})) for t in TEXTS], executor=ThreadPool(2))
    assert [c.seconds for c in clips] == [seconds_each] * len(TEXTS)
    assert executors.RELEASE_AFTER_SECONDS < 6 * 120.0
    for thread in threading.enumerate():
        if thread.name == "briefing-shrink":
            thread.join(10)
    where = "briefing-shrink" if given_back == "shrink" else threading.current_thread().name
    assert calls == [(given_back, where)]


def test_a_thread_pool_that_fails_gives_nothing_back_on_the_side(monkeypatch):
    calls: list[str] = []

    class Breaks(Fails):
        id = "breaks"
        concurrent_threads = True

        def synthesize(self, text: str, voice: Voice) -> Audio:
            raise EngineError("breaks", "no voice today")

        def shrink(self) -> None:
            calls.append("shrink")

    monkeypatch.setitem(engines._INSTANCES, "breaks", Breaks())
    with pytest.raises(EngineError):
        synthesize([Job(t, Voice("joe", "breaks", {})) for t in TEXTS], executor=ThreadPool(2))
    assert not any(t.name == "briefing-shrink" for t in threading.enumerate())
    assert calls == []
