"""Synthesis: every segment's spoken text through its voice's engine, in order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from briefing import engines
from briefing.config import Settings
from briefing.engines import Voice
from briefing.errors import BriefingError, EngineError
from briefing.models import Audio

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Job:
    """One clip to make: text in a voice."""

    text: str
    voice: Voice


def voice_for(settings: Settings, name: str) -> Voice:
    try:
        return settings.voices[name]
    except KeyError:
        raise BriefingError(
            f"voice {name!r} is used but not in the cast; add it to [cast] in briefing.toml"
        ) from None


def synthesize(jobs: Sequence[Job], *, progress: Progress | None = None) -> list[Audio]:
    """Audio for each job, in order; EngineError names the engine that failed."""
    out: list[Audio] = []
    for i, job in enumerate(jobs):
        engine = engines.get(job.voice.engine)
        try:
            out.append(engine.synthesize(job.text, job.voice))
        except EngineError:
            raise
        except Exception as e:  # an engine's own failure, named so the producer knows which
            raise EngineError(job.voice.engine, f"failed on {job.text[:60]!r}: {e}") from e
        if progress:
            progress(i + 1, len(jobs))
    return out
