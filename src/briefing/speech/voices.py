"""The voice cast: which voice reads which role, and a demo of every voice reading one passage.

`briefing voices` lists the cast; `briefing voices --demo DIR` writes what
`voicecheck voices DIR` measures (speaker distinctness, quality, intelligibility).
"""

from __future__ import annotations

import re
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from briefing.speech import engines
from briefing.models import Voice
from briefing.models import Audio

# A neutral local-news passage of about 30 seconds: plain vocabulary, no names a recogniser
# would mishear, numbers spelled as a newsreader says them, so differences between voices in
# the demo come from the voices, not from the text. An earlier wording lost words for every
# voice, narrator included ("service is planned" heard as "services planned", "welcomed the"
# as "welcome", "shops" as "shots"); such near-misses flip at random between takes and made
# the WER comparison noisy, so they were reworded (likewise "pleased" heard as "placed",
# "may" as "they", "officials" as "official", "staff who work" as "staff will work").
PASSAGE = (
    "The city council voted on Tuesday to keep the late night bus service running for another "
    "year. During a trial that lasted six months, the buses carried more passengers than "
    "expected. The mayor said they would run until two in the morning on weekdays, and that "
    "fares would not go up. The money will be split by the council and the regional "
    "transport authority. Local businesses said they were happy with the decision, because "
    "people working late now have a safer way to get home. The council will look at the "
    "results again next spring. It could also add a route to the new hospital."
)


def describe(cast: Sequence[Voice]) -> list[tuple[str, Voice]]:
    """The cast in order: ("narrator", voice), then ("quote 1", voice), ("quote 2", voice)..."""
    return [("narrator", cast[0])] + [(f"quote {i}", v) for i, v in enumerate(cast[1:], 1)]


def _file_stem(name: str) -> str:
    # Voice names are TOML keys and may hold anything; keep file names portable.
    stem = re.sub(r"[^\w.-]+", "_", name).strip("._") or "voice"
    return f"voice_{stem}" if stem == "narrator" else stem


def write_wav(path: Path, audio: Audio) -> None:
    """Write `audio` as 16-bit mono PCM WAV."""
    pcm = (np.clip(audio.samples, -1.0, 1.0) * 32767.0).round().astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(audio.sample_rate)
        w.writeframes(pcm.tobytes())


def write_demo(cast: Sequence[Voice], out_dir: Path, passage: str = PASSAGE) -> list[Path]:
    """Write `narrator.wav`, `<voice>.wav` per quote voice and `passage.txt` into `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for role, voice in describe(cast):
        stem = "narrator" if role == "narrator" else _file_stem(voice.name)
        audio = engines.get(voice.engine).synthesize(passage, voice)
        path = out_dir / f"{stem}.wav"
        write_wav(path, audio)
        written.append(path)
    text = out_dir / "passage.txt"
    text.write_text(passage + "\n", encoding="utf-8")
    written.append(text)
    return written
