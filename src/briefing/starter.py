"""`briefing init`: a new show's folder, with a commented briefing.toml and one example source."""

from __future__ import annotations

from pathlib import Path

from briefing.errors import BriefingError

# The keys a producer is likely to set on the first day; everything else keeps the packaged
# default (src/briefing/defaults.toml documents every key).
CONFIG = '''\
# briefing.toml: this show's settings. Any key of the packaged defaults can be set here
# (see defaults.toml in the briefing package, which documents every key); keys left out
# keep their default. `briefing make` checks every key before it starts.

[show]
title = "My Briefing"
author = "My Newsroom"
description = "The day's stories, spoken."
language = "en"
base_url = "http://127.0.0.1:8000/"   # where output/ is published: `briefing serve` prints it
email = ""                            # itunes:owner e-mail; podcast directories verify it
# image = "cover.jpg"                 # square JPEG/PNG, 1400-3000 px; unset: a generated cover

[sources]
# Files, folders, article URLs and RSS/Atom feeds. A folder contributes every .html, .htm,
# .txt and feed file in it.
paths = ["sources"]
# [[sources.feed]]
# url = "https://example.org/news.rss"
# limit = 3                           # newest items from this feed
# name = "Example News"

# [cast]                              # who reads: the narrator and the quote voices
# narrator = "joe"
# quotes = ["ada", "ben", "cleo", "dan"]

# [audio]
# loudness_lufs = -16.0               # the podcast platforms' target
# bitrate = "96k"
# pause_article_ms = 1500             # the gap between stories

# [feed]
# keep_episodes = 30                  # older episodes and their audio are removed
'''

EXAMPLE = '''\
Harbour bridge reopens after repairs

By Ana Ruiz

The harbour bridge reopened to traffic on Monday after three months of repairs to its steel deck, the city council said.

“We are delighted to have the bridge back,” said Maria Lopez, the council's head of transport. “Drivers will notice a much smoother crossing.”

The work cost £4.50m, less than expected, and finished a week early.
'''


def create(folder: Path) -> list[Path]:
    """Write briefing.toml and sources/example.txt into `folder`; never overwrite either."""
    config = folder / "briefing.toml"
    example = folder / "sources" / "example.txt"
    there = [p for p in (config, example) if p.exists()]
    if there:
        raise BriefingError(
            f"{there[0]} already exists; briefing init never overwrites a show. "
            f"Choose another folder: briefing init NEW-FOLDER"
        )
    example.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(CONFIG, encoding="utf-8")
    example.write_text(EXAMPLE, encoding="utf-8")
    return [config, example]
