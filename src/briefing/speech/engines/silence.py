"""An engine that speaks silence of a plausible length: for dry runs and fast tests.

It needs no model, so a producer can check a briefing's structure, script and feed in seconds
(`engine = "silence"`), and tests that are about anything but speech stay fast.
"""

from __future__ import annotations

from typing import ClassVar, Mapping

import numpy as np

from briefing.models import Voice
from briefing.models import Audio

# Newsreaders run at about 160 words a minute; a silent clip that long keeps chapter and
# transcript timings realistic.
WORDS_PER_SECOND = 160 / 60
SAMPLE_RATE = 22050


class SilenceEngine:
    id: ClassVar[str] = "silence"
    needs_network: ClassVar[bool] = False
    needs_key: ClassVar[bool] = False
    voice_options: ClassVar[Mapping[str, str]] = {}

    def version(self) -> str:
        return "silence-1"

    def synthesize(self, text: str, voice: Voice) -> Audio:
        seconds = max(0.2, len(text.split()) / WORDS_PER_SECOND)
        # A faint tone rather than digital zero, so loudness normalisation and
        # "is it silent?" checks behave as they would on speech.
        n = int(seconds * SAMPLE_RATE)
        t = np.arange(n, dtype=np.float32) / SAMPLE_RATE
        samples = (0.05 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
        return Audio(samples, SAMPLE_RATE)
