"""Script: an Article into a narration script.

In: `Article`s. Out: `Script`s (each article's `Segment`s: the narrator's text, and direct
quotations with their speaker) cast with one voice per speaker across the episode, and the
episode's running order. `segment.py` splits into segments; `quote_rules.py`, `attribution.py`
and `quote_model.py` find quotes and who said them; `cast.py` gives voices; `normalize.py`
turns written text into what a voice says; `episode.py` adds intro, outro and pauses.
"""
