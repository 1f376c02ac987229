"""The project's own exceptions: each says what went wrong and what to do about it.

The CLI turns any `BriefingError` into a one-line message and a non-zero exit; anything else
is a bug and keeps its traceback.
"""

from __future__ import annotations


class BriefingError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""


class ConfigError(BriefingError):
    """briefing.toml is missing, unreadable or invalid."""


class SourceError(BriefingError):
    """A source could not be read or fetched."""

    def __init__(self, source: str, reason: str):
        self.source = source
        self.reason = reason
        super().__init__(f"{source}: {reason}")


class NoArticleFound(SourceError):
    """The source was read but holds no article to narrate."""

    def __init__(self, source: str, detail: str = ""):
        reason = "no article found" + (f" ({detail})" if detail else "")
        super().__init__(source, reason)

    def __str__(self) -> str:
        return f"no article found in {self.source}" + (
            f": {self.reason.split('(', 1)[1].rstrip(')')}" if "(" in self.reason else ""
        )


class EngineError(BriefingError):
    """A speech engine failed or could not be reached.

    `unavailable` marks a failure of the engine itself (its service unreachable, its model
    missing) rather than of one text: no article can be spoken, so the run stops at once
    instead of trying each article in turn.
    """

    def __init__(self, engine: str, reason: str, hint: str = "", *, unavailable: bool = False):
        self.engine = engine
        self.reason = reason
        self.hint = hint
        self.unavailable = unavailable
        msg = f"speech engine '{engine}': {reason}"
        if hint:
            msg += f". {hint}"
        super().__init__(msg)


class AudioError(BriefingError):
    """Audio could not be decoded, assembled or encoded."""


class PublishError(BriefingError):
    """The feed or episode files could not be written."""
