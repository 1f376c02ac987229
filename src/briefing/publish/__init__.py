"""Publish: a finished episode into what listeners subscribe to.

In: an `Episode` and the show's settings. Out: files in output/: the transcript and chapters
(`transcript.py`), the cover (`artwork.py`), the podcast feed (`feed.py`), and the episode's
record in state (`episode.py`); `serve.py` serves output/ for previews.
"""
