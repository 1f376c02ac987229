"""The voice cast: which voice reads which role, and a demo of every voice reading one passage.

`briefing voices` lists the cast; `briefing voices --demo DIR` writes what
`voicecheck voices DIR` measures (speaker distinctness, quality, intelligibility).
"""

from __future__ import annotations

import re
import wave
from pathlib import Path

import numpy as np

from briefing import engines
from briefing.config import Settings
from briefing.engines import Voice
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


def describe(settings: Settings) -> list[tuple[str, Voice]]:
    """The cast in order: ("narrator", voice), then ("quote 1", voice), ("quote 2", voice)..."""
    cast = settings.cast
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


def write_demo(settings: Settings, out_dir: Path, passage: str = PASSAGE) -> list[Path]:
    """Write `narrator.wav`, `<voice>.wav` per quote voice and `passage.txt` into `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for role, voice in describe(settings):
        stem = "narrator" if role == "narrator" else _file_stem(voice.name)
        audio = engines.get(voice.engine).synthesize(passage, voice)
        path = out_dir / f"{stem}.wav"
        write_wav(path, audio)
        written.append(path)
    text = out_dir / "passage.txt"
    text.write_text(passage + "\n", encoding="utf-8")
    written.append(text)
    return written


# Players tried in turn when `briefing say` is given no file: each plays a WAV and exits.
PLAYERS: tuple[tuple[str, ...], ...] = (
    ("ffplay", "-nodisp", "-autoexit", "-loglevel", "error"),  # with ffmpeg, on every system
    ("afplay",),  # macOS
    ("paplay",),  # PulseAudio / PipeWire
    ("aplay", "-q"),  # ALSA
    ("mpv", "--really-quiet", "--no-video"),
)


def spoken_line(settings: Settings, text: str, voice: Voice) -> str:
    """What `voice`'s engine is given for `text`: normalised for speech, with the lexicon."""
    from briefing.lexicon import engine_phonemes

    return settings.lexicon.spoken(text, language=settings.show.language,
                                   phonemes=engine_phonemes(voice.engine), engine=voice.engine)


def cast_voice(settings: Settings, name: str | None) -> Voice:
    """The voice called `name` (default: the narrator); a BriefingError names the others."""
    from briefing.errors import BriefingError

    name = name or settings.narrator
    if name not in settings.voices:
        raise BriefingError(f"no voice {name!r} in the cast; choose one of: {', '.join(settings.voices)}")
    return settings.voices[name]


def say(settings: Settings, text: str, voice: Voice) -> Audio:
    """`text` spoken by `voice` with the show's lexicon, through the clip cache."""
    from briefing.executors import InProcess
    from briefing.synth import Job, open_cache, synthesize

    (clip,) = synthesize([Job(spoken_line(settings, text, voice), voice)], cache=open_cache(settings),
                         executor=InProcess(), network=InProcess())
    return Audio((clip.pcm / 32768.0).astype(np.float32), clip.sample_rate)


def write_audio(path: Path, audio: Audio, bitrate: str = "96k") -> Path:
    """`audio` to a .wav or .mp3 file, by the path's suffix."""
    from briefing.errors import BriefingError

    suffix = path.suffix.lower()
    if suffix == ".wav":
        write_wav(path, audio)
    elif suffix == ".mp3":
        from briefing.encode import encode_mp3

        encode_mp3(audio, path, bitrate=bitrate)
    else:
        raise BriefingError(f"cannot write {path.name}: give a file ending in .wav or .mp3")
    return path


def play(audio: Audio) -> str:
    """Play `audio` with the first player found; the player's name. BriefingError when none is."""
    import shutil
    import subprocess
    import tempfile

    from briefing.errors import BriefingError

    for player, *args in PLAYERS:
        exe = shutil.which(player)
        if exe is None:
            continue
        with tempfile.TemporaryDirectory(prefix="briefing-say-") as tmp:
            wav = Path(tmp) / "say.wav"
            write_wav(wav, audio)
            proc = subprocess.run([exe, *args, str(wav)], capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
            raise BriefingError(f"{player} could not play the clip: {last}. Write it to a file with -o FILE.wav")
        return player
    names = ", ".join(p[0] for p in PLAYERS)
    raise BriefingError(f"no audio player found (looked for {names}); write the clip to a file with -o FILE.wav")
