"""Voice casting across an episode."""

from __future__ import annotations

from briefing.script.cast import assign_voices
from briefing.models import Segment


def q(speaker, text="words"):
    return Segment("quote", text, text, speaker)


def n(text="narration"):
    return Segment("narrator", text, text)


def voices(script):
    return [s.voice for s in script]


def test_narrator_and_one_voice_per_speaker():
    [out] = assign_voices([(n(), q("A"), n(), q("B"), q("A"))], "joe", ["ada", "ben"])
    assert voices(out) == ["joe", "ada", "joe", "ben", "ada"]


def test_narrator_voice_never_used_for_a_quote():
    [out] = assign_voices([(q("A"), q("B"))], "joe", ["joe", "ada", "ben"])
    assert "joe" not in voices(out)


def test_same_person_same_voice_across_articles():
    out = assign_voices([(q("Vladimir Putin"), q("Jane Roe")), (q("Ann Lee"), q("Vladimir Putin"))],
                        "joe", ["ada", "ben", "cleo"])
    assert out[0][0].voice == out[1][1].voice
    assert len({out[0][1].voice, out[1][0].voice, out[0][0].voice}) == 3


def test_descriptions_are_not_shared_across_articles():
    out = assign_voices([(q("a diplomat"), q("Jane Roe")), (q("Ann Lee"), q("a diplomat"))],
                        "joe", ["ada", "ben", "cleo", "dan"])
    assert out[0][0].voice != out[1][1].voice


def test_consecutive_speakers_never_share_a_voice_even_with_one_voice_short():
    script = (q("A"), q("B"), q("C"), q("A"), q("C"), q("B"), q("A"))
    [out] = assign_voices([script], "joe", ["ada", "ben"])
    for a, b in zip(out, out[1:]):
        if a.speaker != b.speaker:
            assert a.voice != b.voice


def test_reuses_voice_of_speaker_heard_longest_ago():
    [out] = assign_voices([(q("A"), q("B"), q("C"), q("D"), q("A"), q("B"), q("C"), q("D"))],
                          "joe", ["ada", "ben", "cleo"])
    # D is new when A, B and C all speak again: A was heard longest ago
    assert out[3].voice == "ada"


def test_named_people_keep_distinct_voices_over_one_off_sources():
    script = (q("Ann Lee"), q("a diplomat"), q("Bo Ray"), q("an analyst"), q("Cy Dee"), q("Di Eve"),
              q("Ann Lee"))
    [out] = assign_voices([script], "joe", ["ada", "ben", "cleo", "dan"])
    named = {s.speaker: s.voice for s in out if s.speaker[0].isupper()}
    assert len(set(named.values())) == 4
    assert out[0].voice == out[-1].voice


def test_no_quote_voices_reads_quotes_as_narration():
    [out] = assign_voices([(q("A"),)], "joe", ["joe"])
    assert voices(out) == ["joe"]
