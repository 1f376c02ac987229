"""Speech engines: one small protocol and a registry.

An engine declares an id, whether it needs a network or an API key, the options a voice may
set, and one method that turns text and a voice into audio. Built-in engines register through
the same `register_engines(register)` hook a third-party package exposes under the
`briefing.engines` entry-point group, and heavy imports (onnxruntime, gTTS) happen when an
engine is first used, not when the CLI starts.
"""

from __future__ import annotations

import threading
from importlib import import_module
from typing import Callable, ClassVar, Mapping, Protocol, Sequence, runtime_checkable

from briefing.errors import EngineError
from briefing.models import Audio, Voice



@runtime_checkable
class Engine(Protocol):
    id: ClassVar[str]
    needs_network: ClassVar[bool]
    needs_key: ClassVar[bool]
    # option name -> one line of help; voices in briefing.toml may set these
    voice_options: ClassVar[Mapping[str, str]]

    def version(self) -> str:
        """Engine and model version; part of every clip's cache key."""
        ...

    def synthesize(self, text: str, voice: Voice) -> Audio:
        """Speak `text` in `voice`; raise EngineError on failure."""
        ...

    # Optional, looked up with getattr:
    #   concurrent_threads: ClassVar[bool]  synthesize may run on several threads at once and
    #       spends its time outside the GIL: the local pool then uses threads sharing one
    #       loaded model instead of worker processes with a model each;
    #   set_threads(n)  how many threads the engine's own compute may use;
    #   release()  drop loaded models and buffers (called when a local thread pool that made
    #       a long episode is done);
    #   shrink()  give free buffers back, keeping the models (called, on a thread of its own,
    #       when a local thread pool that made a short episode is done);
    #   preload(voices, threads)  get ready to speak `voices`: import libraries and, when
    #       `threads` is given (the local pool's threads per model), load the models. A run
    #       calls it on a background thread while it reads its sources, so the
    #       first clip does not wait (speedups.start_engine_preload).


def preload(voices: Sequence[Voice], threads: int | None = None) -> None:
    """Each engine's `preload` for the voices it speaks. A failure here is ignored: synthesis
    meets it again and reports it with its own message."""
    by_engine: dict[str, list[Voice]] = {}
    for voice in voices:
        by_engine.setdefault(voice.engine, []).append(voice)
    for engine_id, its in sorted(by_engine.items()):
        try:
            hook = getattr(get(engine_id), "preload", None)
            if hook is not None:
                hook(its, threads)
        except Exception:  # noqa: BLE001
            pass


_FACTORIES: dict[str, Callable[[], Engine]] = {}
_INSTANCES: dict[str, Engine] = {}
_loaded = False
_BOOT_IDS: set[str] = set()  # ids that every process finds by itself: built-ins and entry points

# Built-ins, by module path, so that importing the registry imports none of them.
_BUILTIN = {
    "piper": "briefing.speech.engines.piper:PiperEngine",
    "gtts": "briefing.speech.engines.gtts:GTTSEngine",
    "silence": "briefing.speech.engines.silence:SilenceEngine",
}


def register(engine_id: str, factory: Callable[[], Engine]) -> None:
    """Make an engine available under `engine_id`; `factory` is called on first use."""
    _FACTORIES[engine_id] = factory


def registered_at_runtime() -> dict[str, Callable[[], Engine]]:
    """Engines registered by calling `register()` rather than by a built-in or an entry point.

    A worker process started with "spawn" re-imports the registry and finds built-ins and
    entry points itself; these it can only get from its parent, so executors pass them on.
    """
    _load()
    return {k: f for k, f in _FACTORIES.items() if k not in _BOOT_IDS}


def _lazy(path: str) -> Callable[[], Engine]:
    def factory() -> Engine:
        module, _, name = path.partition(":")
        return getattr(import_module(module), name)()

    return factory


def register_engines(reg: Callable[[str, Callable[[], Engine]], None]) -> None:
    """The hook built-ins share with plugins."""
    for engine_id, path in _BUILTIN.items():
        reg(engine_id, _lazy(path))


# Engines are looked up from synthesis threads too: loading the registry and creating each
# engine (and so its models) must happen once, not once per thread that asks first.
_LOCK = threading.RLock()


def _load() -> None:
    global _loaded
    if _loaded:
        return
    with _LOCK:
        if not _loaded:
            _boot()
            _loaded = True


def _boot() -> None:
    # Here, not at the top: importlib.metadata brings email, zipfile and csv (~15 ms), and
    # config imports this module for Voice before anything asks for an engine.
    from importlib.metadata import entry_points

    boot: dict[str, Callable[[], Engine]] = {}
    register_engines(boot.__setitem__)
    for ep in entry_points(group="briefing.engines"):
        ep.load()(boot.__setitem__)
    _BOOT_IDS.update(boot)
    for engine_id, factory in boot.items():
        _FACTORIES.setdefault(engine_id, factory)  # an engine registered earlier by hand wins


def available() -> list[str]:
    _load()
    return sorted(_FACTORIES)


def get(engine_id: str) -> Engine:
    """The engine registered as `engine_id`, created once per process."""
    _load()
    engine = _INSTANCES.get(engine_id)
    if engine is not None:
        return engine
    with _LOCK:
        if engine_id not in _INSTANCES:
            if engine_id not in _FACTORIES:
                raise EngineError(
                    engine_id,
                    "no such engine",
                    f"Choose one of: {', '.join(available())}",
                )
            _INSTANCES[engine_id] = _FACTORIES[engine_id]()
        return _INSTANCES[engine_id]
