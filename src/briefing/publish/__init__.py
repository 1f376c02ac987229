"""Publish: a finished episode into what listeners subscribe to and read.

In: an `Episode` and the show's settings. Out: files in output/: the transcript and chapters
(`transcript.py`), the cover (`artwork.py`), the episode and show web pages (`pages.py`), the
podcast feed (`feed.py`), and the episode's record in state (`episode.py`; `rebuild.py` makes
that record again from the feed); `serve.py` serves output/ for previews.
"""
