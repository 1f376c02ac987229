"""Synthesis: every segment's spoken text through its voice's engine, clips back in order.

Each clip is looked up in the clip cache first (cache.py); only the misses are synthesized,
each distinct text once, on an executor (executors.py): by default a pool of threads (engines
that synthesize outside the GIL, like Piper) or of processes, a Dask cluster when a scheduler
is configured, and a rate-limited thread pool for online engines. Clips come back as compact 16-bit PCM, the same form the cache stores.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from briefing.speech import engines
from briefing.speech.cache import Clip, ClipCache, clip_key
from briefing.models import Voice
from briefing.errors import BriefingError
from briefing.speech.executors import (
    DaskCluster, Executor, InProcess, NetworkPool, ProcessPool, Task, ThreadPool, cores, pool_threads, threads_suffice,
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Job:
    """One clip to make: text in a voice."""

    text: str
    voice: Voice


@dataclass(frozen=True)
class SpeechOptions:
    """What synthesis needs to know: the voices, the clip cache and where to run."""

    voices: Mapping[str, Voice]  # every voice in the cast, by name
    cast: tuple[Voice, ...]  # narrator first, then the quote voices
    cache_dir: Path | None = None  # None: no clip cache ([cache].enabled = false)
    cache_max_bytes: int = 0
    workers: int = 0  # local workers; 0: one per core
    scheduler: str = ""  # a Dask scheduler address; empty: this machine


def voice_for(options: SpeechOptions, name: str) -> Voice:
    try:
        return options.voices[name]
    except KeyError:
        raise BriefingError(
            f"voice {name!r} is used but not in the cast; add it to [cast] in briefing.toml"
        ) from None


def job_keys(jobs: Sequence[Job]) -> list[str]:
    """Each job's cache key (engine id and version, voice, text)."""
    versions: dict[str, str] = {}
    keys = []
    for job in jobs:
        engine_id = job.voice.engine
        if engine_id not in versions:
            versions[engine_id] = engines.get(engine_id).version()
        keys.append(clip_key(engine_id, versions[engine_id], job.voice.key(), job.text))
    return keys


def local_executor(misses: int, workers: int | None = None, meanwhile: Callable[[], object] | None = None,
                   engine_ids: Sequence[str] = ()) -> Executor:
    """A pool when there is more than one clip and more than one core to make it on: threads
    when the engines allow it (one model in memory), else processes."""
    n = min(workers or cores(), misses)
    if n <= 1:
        return InProcess()
    if engine_ids and threads_suffice(engine_ids):
        return ThreadPool(n, meanwhile=meanwhile)
    return ProcessPool(n, meanwhile=meanwhile)


def synthesize(
    jobs: Sequence[Job],
    *,
    progress: Progress | None = None,
    cache: ClipCache | None = None,
    executor: Executor | None = None,
    network: Executor | None = None,
    workers: int | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> list[Clip]:
    """A clip for each job, in order; only cache misses are synthesized, each text once.

    `executor` runs offline engines (default: a local thread or process pool sized to the
    cores, or this process for a single clip); `network` runs online ones (default: a bounded,
    rate-limited thread pool). EngineError names the engine that failed. `meanwhile` is
    work for this process (which otherwise only waits) once the default pool's workers
    have started; it is not run at all in other cases.
    """
    total = len(jobs)
    keys = job_keys(jobs)
    out: list[Clip | None] = [None] * total
    where: dict[str, list[int]] = {}
    for i, key in enumerate(keys):
        where.setdefault(key, []).append(i)

    done = 0

    def fill(key: str, clip: Clip, report: bool = True) -> None:
        nonlocal done
        for i in where[key]:
            out[i] = clip
        done += len(where[key])
        if progress and report:
            progress(done, total)

    todo: list[str] = []
    for key in where:
        clip = cache.get(key) if cache is not None else None
        if clip is None:
            todo.append(key)
        else:
            fill(key, clip, report=False)
    # Cached clips are not synthesis: a run that finds every clip cached shows no progress,
    # and one that finds some starts its bar where they leave off.
    if progress and todo and done:
        progress(done, total)

    def online_engine(key: str) -> bool:
        return bool(engines.get(jobs[where[key][0]].voice.engine).needs_network)

    offline = [k for k in todo if not online_engine(k)]
    online = [k for k in todo if online_engine(k)]
    own: list[Executor] = []
    try:
        for batch, chosen, default in (
            (offline, executor, lambda n: local_executor(
                n, workers, meanwhile, [jobs[where[k][0]].voice.engine for k in offline])),
            (online, network, lambda n: NetworkPool()),
        ):
            if not batch:
                continue
            if chosen is None:
                chosen = default(len(batch))
                own.append(chosen)
            tasks = [Task.of(jobs[where[k][0]].text, jobs[where[k][0]].voice) for k in batch]
            for index, clip in chosen.run(tasks):
                key = batch[index]
                if cache is not None:
                    cache.put(key, clip)
                fill(key, clip)
    finally:
        for ex in own:
            ex.close()
        if cache is not None:
            cache.evict()
    return out  # type: ignore[return-value]  # every slot is filled or an error was raised


def preload(options: SpeechOptions) -> threading.Thread:
    """Get the cast's engines ready on a background thread (join it before synthesizing): their
    imports and, when this machine's thread pool will speak, the models it will use.
    Synthesis on a Dask cluster or in worker processes only gets the imports."""

    def run() -> None:
        voices = list(options.cast)
        try:
            local = not options.scheduler and threads_suffice([v.engine for v in voices])
        except Exception:  # noqa: BLE001 - an unknown engine: synthesis reports it
            return
        workers = min(options.workers or cores(), cores())
        engines.preload(voices, pool_threads(workers) if local and workers > 1 else None)

    thread = threading.Thread(target=run, name="briefing-preload")
    thread.start()
    return thread


def open_cache(options: SpeechOptions) -> ClipCache | None:
    """The clip cache, or None when [cache].enabled is false."""
    if options.cache_dir is None:
        return None
    return ClipCache(options.cache_dir, options.cache_max_bytes)


def executor_for(options: SpeechOptions) -> Executor | None:
    """A Dask cluster executor when [synthesis].scheduler names one; None: the local default."""
    if options.scheduler:
        return DaskCluster(options.scheduler)
    return None


def synthesize_for(options: SpeechOptions, jobs: Sequence[Job], *, progress: Progress | None = None,
                   meanwhile: Callable[[], object] | None = None) -> list[Clip]:
    """`synthesize` with the cache and executor the options ask for."""
    executor = executor_for(options)
    try:
        return synthesize(jobs, progress=progress, cache=open_cache(options), executor=executor,
                          workers=options.workers or None, meanwhile=meanwhile)
    finally:
        if executor is not None:
            executor.close()
