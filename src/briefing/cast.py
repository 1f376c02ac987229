"""Voice casting over a whole episode: one voice per speaker, never the narrator's for a quote."""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from .models import Segment


def speaker_key(speaker: str | None, article: int) -> tuple:
    """Named people are the same person across articles; descriptions only within one.

    "Vladimir Putin" in two stories is one person; "a diplomat" in two stories need not be,
    and an unattributed quote belongs to that article's unknown speaker.
    """
    if not speaker:
        return ("?", article)
    words = speaker.split()
    if all(w[:1].isupper() for w in words):
        return ("name", speaker.lower())
    return ("desc", article, speaker.lower())


def assign_voices(
    scripts: Sequence[tuple[Segment, ...]], narrator: str, quote_voices: Sequence[str]
) -> list[tuple[Segment, ...]]:
    """Fill `voice` on every segment of every article of an episode."""
    pool = [v for v in dict.fromkeys(quote_voices) if v != narrator]
    cast: dict[tuple, str] = {}
    last_used: dict[str, int] = {}  # voice -> tick it was last heard
    tick = 0
    prev: tuple[tuple, str] | None = None  # (speaker key, voice) of the previous quote
    out: list[tuple[Segment, ...]] = []
    for ai, segs in enumerate(scripts):
        done = []
        for seg in segs:
            if seg.role != "quote":
                done.append(replace(seg, voice=narrator))
                continue
            if not pool:
                # No quote voices configured: read quotes as narration rather than fail.
                done.append(replace(seg, voice=narrator))
                continue
            key = speaker_key(seg.speaker, ai)
            voice = cast.get(key)
            clash = prev is not None and prev[0] != key and prev[1] == voice
            if voice is None or clash:
                banned = {prev[1]} if prev is not None and prev[0] != key else set()
                free = [v for v in pool if v not in cast.values() and v not in banned]
                if free:
                    voice = free[0]
                else:
                    choices = [v for v in pool if v not in banned] or pool
                    voice = min(choices, key=lambda v: last_used.get(v, -1))
                cast[key] = voice
            tick += 1
            last_used[voice] = tick
            prev = (key, voice)
            done.append(replace(seg, voice=voice))
        out.append(tuple(done))
    return out
