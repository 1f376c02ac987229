"""Plain data handed from one pipeline stage to the next.

Stages never pass strings with markup for the next one to re-parse: each stage returns one of
these frozen dataclasses and the next stage reads its fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Mapping

if TYPE_CHECKING:  # only named in annotations: reading the config needs no numpy
    import numpy as np

BlockKind = Literal["paragraph", "heading", "quote", "list_item"]
Role = Literal["narrator", "quote"]
SourceKind = Literal["auto", "feed", "page"]


def is_url(text: str) -> bool:
    return "://" in text


@dataclass(frozen=True)
class SourceSpec:
    """One thing to read: a local file or folder, an http(s) URL, or a feed of either."""

    location: str
    kind: SourceKind = "auto"  # "feed": read its newest items; "page": one article; "auto": by content
    limit: int | None = None  # feeds: newest N items
    name: str | None = None  # display name in the summary (a feed's items carry it too)

    @property
    def is_url(self) -> bool:
        return is_url(self.location)

    @property
    def label(self) -> str:
        return f"{self.name}: {self.location}" if self.name else self.location


@dataclass(frozen=True)
class Voice:
    """A cast voice resolved from configuration: which engine speaks it, and how."""

    name: str
    engine: str
    options: Mapping[str, Any] = field(default_factory=dict)

    def option(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)

    def key(self) -> str:
        """A stable text form of the voice, for cache keys."""
        opts = ",".join(f"{k}={self.options[k]!r}" for k in sorted(self.options))
        return f"{self.engine}:{self.name}[{opts}]"


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
