"""Audio: clips into one episode MP3.

In: clips with the pauses and chapters between them. Out: the MP3 on disk. `assemble.py` lays
the clips on one timeline (cues, chapters); `loudness.py` levels it to podcast loudness under a
true-peak ceiling; `encode.py` encodes the MP3; `tags.py` writes ID3 tags, cover and chapters.
"""
