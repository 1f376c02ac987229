"""Where clips are synthesized: in this process, on threads of this process (offline engines
that run outside the GIL, such as Piper), a local process pool (other offline engines), a
rate-limited thread pool (online engines), or a Dask distributed cluster. One seam,
`Executor.run(tasks)`, yields finished clips as they come; synth.py puts them back in order and
keeps the cache.

Engines keep their loaded models for the life of the process that made them, so a model loads
once per process, not once per clip. Offline engines get one worker per core with onnxruntime
limited to cores/workers threads each: two workers on two cores each asking for two threads
would fight over the cores and run slower than one.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Protocol

from briefing.speech.cache import Clip, quantize
from briefing.models import Voice
from briefing.errors import BriefingError, EngineError
from briefing.machine import cores

# Online engines: at most this many requests in flight and this many started a second, unless
# the engine declares its own `max_concurrency` / `max_rate`. Four in flight hides the
# round-trip of a TTS web API; two a second stays under the free tiers' burst limits.
NETWORK_CONCURRENCY = 4
NETWORK_RATE = 2.0


@dataclass(frozen=True)
class Task:
    """One clip to synthesize, in a form that pickles (a Voice's options are a mappingproxy)."""

    engine: str
    text: str
    voice_name: str
    voice_options: tuple[tuple[str, Any], ...]

    @classmethod
    def of(cls, text: str, voice: Voice) -> "Task":
        return cls(voice.engine, text, voice.name, tuple(sorted(dict(voice.options).items())))

    def voice(self) -> Voice:
        return Voice(self.voice_name, self.engine, dict(self.voice_options))


class Executor(Protocol):
    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[int, Clip]]:
        """Synthesize `tasks`, yielding (index into tasks, clip) as each finishes."""
        ...

    def close(self) -> None: ...


log = logging.getLogger("briefing")

# -- work done wherever a clip is made -------------------------------------------------------

_threads: int | None = None  # onnxruntime threads per model in this process (None: its default)


def _init_worker(threads: int | None, extra_engines: dict | None = None) -> None:
    """Process-pool initializer: how many threads this worker's models may use, and the
    engines the parent registered by hand (a spawned worker would not know them)."""
    global _threads, _worker
    _threads = threads
    _worker = True
    if extra_engines:
        from briefing.speech import engines

        for engine_id, factory in extra_engines.items():
            engines.register(engine_id, factory)
    if threads:
        # Libraries that use OpenMP or BLAS pools read these at import.
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = str(threads)


def _picklable_runtime_engines() -> dict:
    import pickle

    from briefing.speech import engines

    out = {}
    for engine_id, factory in engines.registered_at_runtime().items():
        try:
            pickle.dumps(factory)
        except Exception:  # a lambda or local class: only usable where it was registered
            log.warning("engine %r was registered with a factory that cannot be sent to worker "
                        "processes; define it at module level or register it through an entry point", engine_id)
            continue
        out[engine_id] = factory
    return out


def _engine(engine_id: str, threads: int | None = None):
    from briefing.speech import engines

    engine = engines.get(engine_id)
    threads = threads or _threads
    set_threads = getattr(engine, "set_threads", None)
    if threads and set_threads is not None and getattr(engine, "_briefing_threads", None) != threads:
        set_threads(threads)
        try:
            engine._briefing_threads = threads
        except AttributeError:
            pass
    return engine


def _trim_heap() -> None:
    # Engines free their per-sentence tensors, but glibc keeps the pages: a worker grew to
    # ~0.5 GB over one article without this, ~0.15 GB with it, for about a millisecond a clip.
    global _libc
    if _libc is None:
        try:
            import ctypes

            _libc = ctypes.CDLL("libc.so.6")
        except OSError:
            _libc = False
    if _libc:
        _libc.malloc_trim(0)


_libc = None
_worker = False  # true in pool and cluster workers, whose heap is worth trimming


def synthesize_task(task: Task, threads: int | None = None) -> tuple:
    """Make one clip; errors come back as data so they cross process boundaries intact."""
    try:
        audio = _engine(task.engine, threads).synthesize(task.text, task.voice())
        return ("ok", quantize(audio.samples), int(audio.sample_rate))
    except EngineError as e:
        return ("error", e.engine, e.reason, e.hint, e.unavailable)
    except Exception as e:  # an engine's own failure, named so the producer knows which
        return ("error", task.engine, f"failed on {task.text[:60]!r}: {type(e).__name__}: {e}", "")
    finally:
        if _worker:
            _trim_heap()


def _dask_task(task: Task, threads_by_worker: Mapping[str, int]) -> tuple:
    global _threads, _worker
    _worker = True
    try:
        from distributed import get_worker

        _threads = threads_by_worker.get(get_worker().address) or _threads
    except (ImportError, ValueError):
        pass
    return synthesize_task(task)


def _clip(result: tuple) -> Clip:
    if result[0] == "error":
        _, engine, reason, hint, *unavailable = result
        raise EngineError(engine, reason, hint, unavailable=bool(unavailable and unavailable[0]))
    _, pcm, rate = result
    return Clip(pcm, rate)


# -- executors -------------------------------------------------------------------------------


class InProcess:
    """Synthesize here, one clip after another (one clip, one core, or tests)."""

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[int, Clip]]:
        for i, task in enumerate(tasks):
            yield i, _clip(synthesize_task(task))

    def close(self) -> None:
        pass


def _longest_first(tasks: Sequence[Task]) -> list[int]:
    # Long clips first, so the last clip to finish is a short one and no core idles at the end.
    return sorted(range(len(tasks)), key=lambda i: -len(tasks[i].text))


def _drain(futures: dict[Future, int]) -> Iterator[tuple[int, Clip]]:
    try:
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in done:
                yield futures[f], _clip(f.result())
    finally:
        for f in futures:
            f.cancel()


def _meanwhile(pool) -> None:
    """Run a pool's `meanwhile` job, once: the work this process does while its workers start."""
    job, pool.meanwhile = pool.meanwhile, None
    if job is not None:
        job()


class ProcessPool:
    """Worker processes that each load their models once and keep them."""

    def __init__(self, workers: int | None = None, threads: int | None = None,
                 meanwhile: Callable[[], object] | None = None) -> None:
        n = cores()
        self.workers = max(1, workers or n)
        self.threads = threads or max(1, n // self.workers)
        # Run once in this process as soon as the workers exist (it cannot run before: a thread
        # busy importing would make the fork unsafe), while they synthesize.
        self.meanwhile = meanwhile
        self._pool = None

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[int, Clip]]:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        if self._pool is None:
            # fork starts a worker in milliseconds and asks nothing of the caller's script, but
            # copies the locks of any other running thread (Dask, a web server), which can
            # deadlock the child; with other threads about, a fresh interpreter is safer.
            method = "fork" if threading.active_count() == 1 and os.name == "posix" else "spawn"
            self._pool = ProcessPoolExecutor(
                max_workers=min(self.workers, max(1, len(tasks))),
                mp_context=multiprocessing.get_context(method),
                initializer=_init_worker,
                initargs=(self.threads, _picklable_runtime_engines()),
            )
        futures = {self._pool.submit(synthesize_task, tasks[i]): i for i in _longest_first(tasks)}
        _meanwhile(self)
        try:
            yield from _drain(futures)
        except BrokenProcessPool as e:
            engine = tasks[0].engine if tasks else "?"
            raise EngineError(engine, f"a synthesis worker process died ({e})",
                              "It may have run out of memory; try fewer workers ([synthesis].workers)") from e

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def threads_suffice(engine_ids: Sequence[str]) -> bool:
    """True when every engine named declares `concurrent_threads`: its synthesis runs outside
    the GIL and may be called from several threads at once (see engines.Engine)."""
    from briefing.speech import engines

    return all(getattr(engines.get(e), "concurrent_threads", False) for e in set(engine_ids))


def pool_threads(workers: int | None = None) -> int:
    """onnxruntime threads for each of a thread pool's `workers` (default: one per core)."""
    n = cores()
    return max(1, n // max(1, workers or n))


# A thread pool that made less speech than this keeps its engines' models when it is done.
# Giving them back takes ~40 ms on the way to the episode (the session's destructor holds the
# GIL), and what follows a short episode needs little memory (three minutes: a 15 MB track);
# a long one is assembled and encoded beside onnxruntime's arena otherwise (ten articles: the
# arena held ~0.7 GB).
RELEASE_AFTER_SECONDS = 600.0


class ThreadPool:
    """Threads of this process, for engines that synthesize outside the GIL (onnxruntime does).

    Against a process pool: one copy of each model in memory instead of one per worker, no
    worker start-up or model load per worker, and clips come back without pickling. Each
    thread gets cores/threads of onnxruntime's threads."""

    def __init__(self, workers: int | None = None, meanwhile: Callable[[], object] | None = None) -> None:
        self.workers = max(1, workers or cores())
        self.threads = pool_threads(self.workers)
        self.meanwhile = meanwhile

    def _one(self, task: Task) -> tuple:
        result = synthesize_task(task, self.threads)
        _trim_heap()  # as in a worker process: the engine's freed buffers go back to the system
        return result

    def _release(self, tasks: Sequence[Task]) -> None:
        # What a worker process gives back by exiting: the engines' models and buffers, before
        # this process goes on to hold the whole episode.
        from briefing.speech import engines

        for engine_id in {t.engine for t in tasks}:
            release = getattr(engines.get(engine_id), "release", None)
            if release is not None:
                release()
        _trim_heap()

    def _shrink(self, tasks: Sequence[Task]) -> None:
        # The models stay (a short episode's assembly needs little memory beside them); their
        # free buffers go back to the system on a thread of its own, which ends long before
        # the episode is published (it takes ~0.05 s; see PiperEngine.shrink).
        from briefing.speech import engines

        shrinks = [s for s in (getattr(engines.get(e), "shrink", None) for e in {t.engine for t in tasks}) if s]

        def run() -> None:
            try:
                for shrink in shrinks:
                    shrink()
            except Exception as e:  # noqa: BLE001 - memory given back later, at exit; never the episode
                log.debug("could not shrink the engines' buffers: %s", e)
            _trim_heap()

        threading.Thread(target=run, name="briefing-shrink").start()

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[int, Clip]]:
        made = 0.0  # seconds of speech
        finished = False
        with ThreadPoolExecutor(max_workers=min(self.workers, max(1, len(tasks))),
                                thread_name_prefix="briefing-synth") as pool:
            futures = {pool.submit(self._one, tasks[i]): i for i in _longest_first(tasks)}
            try:
                _meanwhile(self)
                for i, clip in _drain(futures):
                    made += clip.seconds
                    yield i, clip
                finished = True
            finally:
                pool.shutdown(wait=True, cancel_futures=True)
                if made >= RELEASE_AFTER_SECONDS:
                    self._release(tasks)
                elif finished:
                    self._shrink(tasks)

    def close(self) -> None:
        pass


class RateLimiter:
    """At most `rate` starts a second, spaced evenly; shared by a pool's threads."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            time.sleep(start - now)


class NetworkPool:
    """Threads for online engines: bounded requests in flight, rate-limited starts."""

    def __init__(self, concurrency: int = NETWORK_CONCURRENCY, rate: float = NETWORK_RATE) -> None:
        self.concurrency = max(1, concurrency)
        self.limiter = RateLimiter(rate)

    def _one(self, task: Task) -> tuple:
        self.limiter.wait()
        return synthesize_task(task)

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[int, Clip]]:
        with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="briefing-net") as pool:
            futures = {pool.submit(self._one, t): i for i, t in enumerate(tasks)}
            yield from _drain(futures)

    def close(self) -> None:
        pass


class DaskCluster:
    """Synthesis on a Dask distributed cluster; each worker process keeps its models loaded."""

    def __init__(self, address: str, *, timeout: float = 10.0) -> None:
        try:
            from distributed import Client
        except ImportError as e:
            raise BriefingError(
                "a Dask scheduler is configured but dask.distributed is not installed. "
                "Install it with: pip install 'briefing[dask]'"
            ) from e
        try:
            self.client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as e:
            raise BriefingError(
                f"cannot reach the Dask scheduler at {address}: {e}. Start one with "
                f"`dask scheduler` and workers with `dask worker {address}`, or drop --scheduler"
            ) from e
        self.address = address
        self._threads: dict[str, int] | None = None

    def _threads_by_worker(self) -> dict[str, int]:
        # Each worker's onnxruntime threads: its host's cores shared among all the Dask
        # threads on that host, so co-located workers don't oversubscribe it.
        if self._threads is None:
            info = self.client.scheduler_info()["workers"]
            host_cores = self.client.run(cores)
            per_host: dict[str, int] = {}
            for addr, w in info.items():
                host = w.get("host", addr)
                per_host[host] = per_host.get(host, 0) + int(w.get("nthreads", 1))
            self._threads = {
                addr: max(1, int(host_cores.get(addr, 1)) // max(1, per_host[w.get("host", addr)]))
                for addr, w in info.items()
            }
        return self._threads

    def run(self, tasks: Sequence[Task]) -> Iterator[tuple[int, Clip]]:
        from distributed import as_completed

        if not self.client.scheduler_info()["workers"]:
            raise BriefingError(f"the Dask scheduler at {self.address} has no workers. Start some with "
                                f"`dask worker {self.address}`")
        threads = self._threads_by_worker()
        order = _longest_first(tasks)
        futures = self.client.map(_dask_task, [tasks[i] for i in order], threads_by_worker=threads,
                                  pure=False)
        index = {f.key: i for f, i in zip(futures, order)}
        try:
            for f in as_completed(futures, loop=self.client.loop):
                i = index[f.key]
                try:
                    result = f.result()
                except Exception as e:  # a worker died or the cluster went away
                    raise EngineError(tasks[i].engine, f"the Dask cluster at {self.address} failed on "
                                      f"{tasks[i].text[:60]!r}: {type(e).__name__}: {e}",
                                      "Check the workers' logs, or run without --scheduler") from e
                yield i, _clip(result)
        finally:
            for f in futures:
                f.release()

    def close(self) -> None:
        self.client.close()
