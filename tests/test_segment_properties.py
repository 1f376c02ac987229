"""Property tests: segment() never crashes and never loses or invents words of the body."""

from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from briefing.models import Article, Block
from briefing.script.segment import segment

WORD = re.compile(r"[^\W_]+")
PIECES = st.sampled_from([
    "“", "”", '"', "‘", "’", "'", ",", ".", ":", " ", " ", " said ", " he said", " Smith ",
    "Aidos Meldekhan", " according to ", "―", " — ", "(", ")", "[", "]", "Mr.", " U.S. ",
    "It was", " remarkable", "\n", "2,000", " told ", "?", "!", "…", " the ", " a diplomat ",
])
PARA = st.one_of(
    st.lists(PIECES, max_size=40).map("".join),
    st.text(max_size=120),
)


def _words(text: str) -> list[str]:
    return WORD.findall(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(PARA, min_size=0, max_size=6), st.text(max_size=40))
def test_segment_keeps_every_word(paras, title):
    article = Article(title=title, body=tuple(Block("paragraph", p) for p in paras))
    segs = segment(article)
    for i, para in enumerate(paras):
        got = [w for s in segs if s.block == i for w in _words(s.text)]
        assert got == _words(para)
    head = [w for s in segs if s.block < 0 for w in _words(s.text)]
    assert head == _words(title)
    for s in segs:
        assert s.role in ("narrator", "quote")
        assert (s.speaker is None) if s.role == "narrator" else True
        assert isinstance(s.spoken, str)
