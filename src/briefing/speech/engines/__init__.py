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
    #       first clip does not wait (speedups.start_engine_preload);
    #   phonemes(ipa) -> str  the text form the engine reads as raw phonemes (Piper: "[[...]]"),
    #       for the lexicon's IPA; engines without it get the respelling;
    #   readiness(voice) -> (ready, note)  whether `voice` can be spoken now (its model on
    #       disk, its server reachable, its key set), for `briefing voices`; cheap, no synthesis.


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
    "openai": "briefing.speech.engines.openai:OpenAIEngine",
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


def known(engine_id: str) -> bool:
    """Whether `engine_id` is installed: a built-in or a registered engine answers without
    reading entry points, so checking the usual cast at config load costs nothing."""
    return engine_id in _BUILTIN or engine_id in _FACTORIES or engine_id in available()


def origin(engine_id: str) -> str:
    """Where an engine comes from: "built-in", the distribution that declares it, or "registered"."""
    if engine_id in _BUILTIN:
        return "built-in"
    from importlib.metadata import entry_points

    for ep in entry_points(group="briefing.engines"):
        try:
            ids: dict[str, object] = {}
            ep.load()(ids.__setitem__)
        except Exception:  # noqa: BLE001 - a broken plugin shows as such in `briefing voices`
            continue
        if engine_id in ids:
            dist = getattr(ep, "dist", None)
            return f"plugin {dist.name} {dist.version}" if dist is not None else f"plugin {ep.value}"
    return "registered"


def readiness(voice: Voice) -> tuple[bool, str]:
    """Whether `voice` can be spoken now, and a short note why (for `briefing voices`)."""
    try:
        engine = get(voice.engine)
    except EngineError as e:
        return False, e.reason
    except Exception as e:  # noqa: BLE001 - a plugin that fails to load
        return False, f"engine failed to load: {e}"
    check = getattr(engine, "readiness", None)
    if check is None:
        return True, "nothing to check" if voice.engine not in _BUILTIN else "nothing needed"
    try:
        return check(voice)
    except EngineError as e:
        return False, e.reason
    except Exception as e:  # noqa: BLE001
        return False, f"readiness check failed: {e}"


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


def phonemes_of(engine_id: str) -> Callable[[str], str] | None:
    """The engine's `phonemes(ipa) -> str`, or None when it cannot take phonemes (the lexicon
    then gives it the respelling)."""
    try:
        return getattr(get(engine_id), "phonemes", None)
    except Exception:  # noqa: BLE001 - an engine that fails to load fails at synthesis, with its reason
        return None
