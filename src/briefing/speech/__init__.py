"""Speech: text in a voice into audio clips.

In: `Job`s (spoken text and a `Voice`). Out: `Clip`s (16-bit PCM), in order. `engines/` holds the
engine protocol, its registry and the engines (Piper offline, gTTS online); `synth.py` runs the
jobs through the clip cache (`cache.py`) on an executor (`executors.py`: threads, processes,
a Dask cluster); `voices.py` describes the cast and writes its demo. Knows nothing of articles.
"""
