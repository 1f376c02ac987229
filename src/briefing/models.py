"""Plain data handed from one pipeline stage to the next.

Stages never pass strings with markup for the next one to re-parse: each stage returns one of
these frozen dataclasses and the next stage reads its fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # only named in annotations: reading the config needs no numpy
    import numpy as np

BlockKind = Literal["paragraph", "heading", "quote", "list_item"]
Role = Literal["narrator", "quote"]


@dataclass(frozen=True)
class Document:
    """A source as fetched or read, before cleaning."""

    source: str  # what the producer named: a path or URL
    content: bytes
    content_type: str | None = None  # from HTTP headers, if any ("text/html; charset=...")
    url: str | None = None  # final URL after redirects, for URLs
    kind: Literal["html", "text"] = "html"


@dataclass(frozen=True)
class Block:
    """One unit of article body in reading order."""

    kind: BlockKind
    text: str


@dataclass(frozen=True)
class Article:
    """A cleaned article: what a listener should hear, and its metadata."""

    title: str
    body: tuple[Block, ...]
    byline: str | None = None
    site: str | None = None
    published: str | None = None  # ISO 8601 date or datetime, when known
    url: str | None = None
    standfirst: str | None = None
    source: str = ""

    @property
    def words(self) -> int:
        return sum(len(b.text.split()) for b in self.body)


@dataclass(frozen=True)
class Segment:
    """One stretch of narration read by one voice.

    `text` keeps the article's wording; `spoken` is what the engine is given after
    normalisation for speech. `block` is the index of the body block the text came from
    (-1 for the headline, standfirst and byline) so assembly can pause between paragraphs.
    """

    role: Role
    text: str
    spoken: str
    speaker: str | None = None
    voice: str = ""
    block: int = 0


@dataclass(frozen=True)
class Script:
    """An article's narration: its segments in reading order."""

    article: Article
    segments: tuple[Segment, ...]

    @property
    def quotes(self) -> int:
        return sum(1 for s in self.segments if s.role == "quote")

    @property
    def voices(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for s in self.segments:
            seen.setdefault(s.voice, None)
        return tuple(seen)


@dataclass(frozen=True)
class Audio:
    """Mono float32 samples in [-1, 1] at one sample rate."""

    samples: np.ndarray = field(repr=False)
    sample_rate: int

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.sample_rate


@dataclass(frozen=True)
class Chapter:
    """A titled stretch of the episode, in seconds from its start."""

    title: str
    start: float
    end: float
    url: str | None = None


@dataclass(frozen=True)
class Cue:
    """One transcript cue: a segment's text and when it is heard."""

    start: float
    end: float
    text: str
    speaker: str | None = None


@dataclass(frozen=True)
class Episode:
    """A finished briefing on disk."""

    date: str  # YYYY-MM-DD
    title: str
    mp3: str  # path
    duration: float  # seconds
    size: int  # bytes
    chapters: tuple[Chapter, ...]
    cues: tuple[Cue, ...]
    articles: tuple[Article, ...]
