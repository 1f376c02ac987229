"""briefing: turn news articles into a spoken audio briefing published as a podcast."""

__version__ = "0.1.0"
