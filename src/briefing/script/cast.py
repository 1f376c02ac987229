"""Voice casting over a whole episode: one voice per speaker, never the narrator's for a quote."""

from __future__ import annotations

from dataclasses import replace
from typing import Sequence

from briefing.models import Segment


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
    """Fill `voice` on every segment of every article of an episode.

    With more speakers than voices a voice is reused; the one given up is chosen so that
    the fewest listeners notice: first a voice whose speaker is not heard again, then one
    held by an unnamed source ("a diplomat") rather than a named person, then the voice of
    the speaker heard longest ago. The previous quote's voice is never taken by a new speaker.
    """
    pool = [v for v in dict.fromkeys(quote_voices) if v != narrator]
    keys = [[speaker_key(s.speaker, ai) if s.role == "quote" else None for s in segs]
            for ai, segs in enumerate(scripts)]
    order = [k for ks in keys for k in ks if k is not None]
    remaining: dict[tuple, int] = {}
    for k in order:
        remaining[k] = remaining.get(k, 0) + 1
    cast: dict[tuple, str] = {}
    holder: dict[str, tuple] = {}  # voice -> speaker who last took it
    last_used: dict[str, int] = {}  # voice -> tick it was last heard
    tick = 0
    prev: tuple[tuple, str] | None = None  # (speaker key, voice) of the previous quote
    out: list[tuple[Segment, ...]] = []
    for ai, segs in enumerate(scripts):
        done = []
        for seg, key in zip(segs, keys[ai]):
            if key is None or not pool:
                # Narration, or no quote voices configured: read as narration rather than fail.
                done.append(replace(seg, voice=narrator))
                continue
            remaining[key] -= 1
            voice = cast.get(key)
            clash = prev is not None and prev[0] != key and prev[1] == voice
            if voice is None or clash:
                banned = {prev[1]} if prev is not None and prev[0] != key else set()
                free = [v for v in pool if v not in holder and v not in banned]
                if free:
                    voice = free[0]
                else:
                    choices = [v for v in pool if v not in banned] or pool
                    voice = min(choices, key=lambda v: (
                        remaining.get(holder[v], 0) > 0,
                        holder[v][0] == "name",
                        last_used.get(v, -1),
                    ))
                cast[key] = voice
                holder[voice] = key
            tick += 1
            last_used[voice] = tick
            prev = (key, voice)
            done.append(replace(seg, voice=voice))
        out.append(tuple(done))
    return out
