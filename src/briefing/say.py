"""`briefing say`: one line through the show's normalisation, lexicon and voice, to a file or
a player, so a producer hears a fix in a second. Runs the script and speech stages as the
pipeline does, for one line."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from briefing.audio.encode import encode_mp3
from briefing.config import Settings
from briefing.errors import BriefingError
from briefing.models import Audio, Voice
from briefing.pipeline import speech_options
from briefing.script.lexicon import Lexicon
from briefing.speech import engines
from briefing.speech.executors import InProcess
from briefing.speech.synth import Job, open_cache, synthesize
from briefing.speech.voices import write_wav


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
    lexicon = settings.lexicon or Lexicon()
    return lexicon.spoken(text, language=settings.show.language, phonemes=engines.phonemes_of(voice.engine),
                          engine=voice.engine)


def cast_voice(settings: Settings, name: str | None) -> Voice:
    """The voice called `name` (default: the narrator); a BriefingError names the others."""
    name = name or settings.narrator
    if name not in settings.voices:
        raise BriefingError(f"no voice {name!r} in the cast; choose one of: {', '.join(settings.voices)}")
    return settings.voices[name]


def say(settings: Settings, text: str, voice: Voice) -> Audio:
    """`text` spoken by `voice` with the show's lexicon, through the clip cache."""
    (clip,) = synthesize([Job(spoken_line(settings, text, voice), voice)], cache=open_cache(speech_options(settings)),
                         executor=InProcess(), network=InProcess())
    return Audio((clip.pcm / 32768.0).astype(np.float32), clip.sample_rate)


def write_audio(path: Path, audio: Audio, bitrate: str = "96k") -> Path:
    """`audio` to a .wav or .mp3 file, by the path's suffix."""
    suffix = path.suffix.lower()
    if suffix == ".wav":
        write_wav(path, audio)
    elif suffix == ".mp3":
        encode_mp3(audio, path, bitrate=bitrate)
    else:
        raise BriefingError(f"cannot write {path.name}: give a file ending in .wav or .mp3")
    return path


def play(audio: Audio) -> str:
    """Play `audio` with the first player found; the player's name. BriefingError when none is."""
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
