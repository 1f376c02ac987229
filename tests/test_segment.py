"""Quote detection and attribution: real article text, table-driven, and the sample seed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from briefing.script.cast import assign_voices
from briefing.models import Article, Block
from briefing.script.segment import segment

FIXTURES = Path(__file__).parent / "fixtures" / "quotes"
SEEDS = Path(__file__).parents[2] / "shared" / "seeds"
WORD = re.compile(r"[A-Za-z0-9]+")
CASES = json.loads((FIXTURES / "cases.json").read_text(encoding="utf-8"))


def _article(paras, title="Headline", **kw) -> Article:
    return Article(title=title, body=tuple(Block("paragraph", p) for p in paras), **kw)


def _same_person(expected: str, got: str | None) -> bool:
    """The bench's rule: the speaker shares the expected source's last word."""
    e, g = WORD.findall(expected.lower()), WORD.findall((got or "").lower())
    return bool(g) and (e[-1] in g or g[-1] in e)


@pytest.mark.parametrize("case", CASES, ids=[c["why"][:50] for c in CASES])
def test_cases(case):
    segs = segment(_article(case["paras"]))
    quotes = [(s.text, s.speaker) for s in segs if s.role == "quote"]
    assert [q[0] for q in quotes] == [q[0] for q in case["quotes"]]
    for (_, got), (_, want) in zip(quotes, case["quotes"]):
        assert got == want


# Issue 7 (false voicing), one row per pattern; sentences from the PolNeAR train split.
# (why, paragraphs, expected quote segments as (text, speaker))
ISSUE7_CASES = [
    ("narrator words open the sentence and the quote finishes it: woven, not voiced",
     ["If the legislation passes, \"I think it's going to fill a very deep void and hole that "
      "I've had about who I am,\" Ki Hong said."],
     []),
    ("a clause before the quote with no speech verb keeps it with the narrator",
     ["Religious conservatives have been a solid base for him, but \"New York has one of the "
      "smallest percentages of born-again Christians,\" said Jeff Smith, a professor at The New "
      "School."],
     []),
    ("only the verb nearest the quote decides reported speech ('joked that ... went on to say,')",
     ["Trump joked that Brooklyn was his answer, but went on to say, “There are places in "
      "America that are among the most dangerous in the world.”"],
     [("There are places in America that are among the most dangerous in the world.", "Trump")]),
    ("a two-word speech verb introduces the quote ('shot back,')",
     ["After former California Gov. Jerry Brown criticized Bill Clinton during a debate, "
      "Hillary shot back, “I suppose I could have chosen to bake cookies and have teas, but I "
      "chose to fulfill my profession.”"],
     [("I suppose I could have chosen to bake cookies and have teas, but I chose to fulfill my "
       "profession.", "Hillary")]),
    ("speech verbs beyond 'said' attribute a paragraph-opening quote to its speaker",
     ["“Go back to Univision,” Trump barked and a security guard escorted Ramos out."],
     [("Go back to Univision,", "Trump")]),
    ("a quoted word ending the narrator's sentence stays narrated; the next sentence is no "
     "attribution of it",
     ["Trump has said that a nuclear deal reached with Iran in July could led to another "
      "\"Holocaust.\" Netanyahu has said that the nuclear deal intensifies an existential "
      "threat to Israel from Iran."],
     []),
    ("a paragraph that is only a quotation, after narration naming nobody as saying it, stays "
     "with the narrator",
     ["On the other side are partisans and thinkers who consider Obama’s achievements "
      "substantial, even historic. They acknowledge that his victories were partial and his "
      "legislation flawed.",
      "\"Lurking behind this argument about the future is a dispute that’s really about the "
      "past.\""],
     []),
    ("the lower-case second half of a split quotation is voiced like the first",
     ["“And while I’m at it, I hold in the highest esteem Sen. John McCain,” Trump said, “and I "
      "fully support and endorse his re-election.”"],
     [("And while I’m at it, I hold in the highest esteem Sen. John McCain,", "Trump"),
      ("and I fully support and endorse his re-election.", "Trump")]),
    ("a plural possessive outlet before a name ('Fox News’ Sean Hannity') is not part of it",
     ["In an interview with Fox News’ Sean Hannity on Monday night, Trump responded to a "
      "question about a recent claim.",
      "“The New York Times is claiming today that they had an off-the-record conversation with "
      "you in January,” Hannity started."],
     [("The New York Times is claiming today that they had an off-the-record conversation with "
       "you in January,", "Sean Hannity")]),
    ("'..., saying,' takes the subject of the main clause, titles and all before the name",
     ["Former Secretary of State Madeleine Albright recently urged women to vote for Hillary "
      "Clinton, saying, “There’s a special place in hell for women who don’t help each other.”"],
     [("There’s a special place in hell for women who don’t help each other.",
       "Madeleine Albright")]),
    ("a speech verb coordinated with another ('... and said,') shares its subject",
     ["Trump called on her to resign from her post and said, “Her mind is shot!”"],
     [("Her mind is shot!", "Trump")]),
    ("a name and its party label before a colon introduce the speaker ('Rep. X (R-S.C.):')",
     ["Rep. Trey Gowdy (R-S.C.):\"I have not heard anyone other than you ever cite that "
      "figure.\""],
     [("I have not heard anyone other than you ever cite that figure.", "Trey Gowdy")]),
    ("a sentence may open with a quote mark and a bracket",
     ["The Air Force veteran also believes that Cruz passes the commander-in-chief test. "
      "“[Ted] knows he’s going to surround himself with good people,” Perry said."],
     [("[Ted] knows he’s going to surround himself with good people,", "Perry")]),
]


@pytest.mark.parametrize("why,paras,want", ISSUE7_CASES, ids=[c[0][:50] for c in ISSUE7_CASES])
def test_issue7_cases(why, paras, want):
    segs = segment(_article(paras))
    assert [(s.text, s.speaker) for s in segs if s.role == "quote"] == want, why


def test_headline_quote_is_voiced():
    segs = segment(_article(["Body text."], title="Trump: “I will win this election”"))
    assert [(s.role, s.text, s.speaker, s.block) for s in segs[:2]] == [
        ("narrator", "Trump:", None, -3),
        ("quote", "I will win this election", "Trump", -3),
    ]


def test_head_segments_come_first():
    art = _article(["One.", "Two."], title="Title", standfirst="Stand.", byline="Jane Roe")
    segs = segment(art)
    assert [(s.text, s.block, s.role) for s in segs] == [
        ("Title", -3, "narrator"), ("Stand.", -2, "narrator"), ("By Jane Roe", -1, "narrator"),
        ("One.", 0, "narrator"), ("Two.", 1, "narrator"),
    ]


def test_right_to_left_paragraphs_are_kept():
    arabic = "أعلنت البلدية اليوم افتتاح الجسر الجديد فوق النهر."
    hebrew = "העירייה הודיעה היום על פתיחת הגשר החדש."
    segs = segment(_article([arabic, hebrew, "«نحن سعداء جدا بهذا»، قال رئيس البلدية."]))
    assert [s.text for s in segs if s.block in (0, 1)] == [arabic, hebrew]
    assert any("نحن" in s.text for s in segs if s.block == 2)


def test_spoken_is_normalised_and_text_kept():
    segs = segment(_article(["“He [Putin] needed 2,000 troops,” said one analyst."]))
    q = [s for s in segs if s.role == "quote"][0]
    assert q.text == "He [Putin] needed 2,000 troops,"
    assert "bracket" not in q.spoken and "[" not in q.spoken and "two thousand" in q.spoken


def _seed_article(expected: dict) -> Article:
    return Article(
        title=expected["title"], standfirst=expected["standfirst"], byline=expected["byline"],
        body=tuple(Block("paragraph", p) for p in expected["must_be_narrated"]),
    )


def _cleaned_article(path: Path) -> Article:
    from briefing.clean.decode import clean
    from briefing.models import Document

    source = SEEDS / json.loads(path.read_text(encoding="utf-8"))["source"]
    return clean(Document(source=str(source), content=source.read_bytes(), kind="text"))


SEED_FILES = sorted(SEEDS.glob("*.expected.json")) if SEEDS.exists() else []


@pytest.mark.skipif(not SEED_FILES, reason="shared seeds not present")
@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("via", ["body lines", "cleaner"])
def test_seed_expectations(path, via):
    expected = json.loads(path.read_text(encoding="utf-8"))
    article = _seed_article(expected) if via == "body lines" else _cleaned_article(path)
    script = assign_voices([segment(article)], "joe", ["ada", "ben", "cleo", "dan"])[0]
    quotes = [s for s in script if s.role == "quote"]
    assert [q.text for q in quotes] == [v["text"] for v in expected["voiced_quotes"]]
    for q, v in zip(quotes, expected["voiced_quotes"]):
        assert _same_person(v["speaker"], q.speaker), (q.text, q.speaker, v["speaker"])
        assert q.voice != "joe"
    narrated = " ".join(s.text for s in script if s.role == "narrator")
    for keep in expected["narrator_keeps"]:
        assert keep["text"] in narrated
        assert not any(keep["text"] in q.text for q in quotes)
    by_speaker: dict[str, set[str]] = {}
    for q, v in zip(quotes, expected["voiced_quotes"]):
        by_speaker.setdefault(v["speaker"], set()).add(q.voice)
    for group in expected["same_voice"]:
        assert len(set().union(*(by_speaker[name] for name in group))) == 1
    distinct = [next(iter(by_speaker[name])) for name in expected["distinct_voices"]]
    assert len(set(distinct)) == len(distinct)
    for a, b in zip(quotes, quotes[1:]):
        if a.speaker != b.speaker:
            assert a.voice != b.voice


# Voicing-model features for issue 7 (false voicing); sentences from the PolNeAR train split.
# (why, paragraph, quotation it is about (start of its words), feature, expected value)
FEATURE_CASES = [
    ("'says of' names the topic after the attribution",
     "Trump is telling a town hall in Salem that waterboarding is “peanuts,” compared to what "
     "Islamic State militants are doing. “It’s fine,” Trump says of waterboarding. “And much "
     "tougher than that is fine.”", "It’s fine", "said_of", 1.0),
    ("'said about' after a pronoun speaker",
     "\"I thought I would regret it if I didn't,\" he said about finally speaking out. \"So "
     "much of this information has been wrong.\"", "I thought", "said_of", 1.0),
    ("a plain attribution names no topic",
     "“It’s going to be a great night,” Trump said.", "It’s going", "said_of", 0.0),
    ("'said' followed by the speaker's own 'of' ('Smith of Ohio') is no topic",
     "“We will not back down,” said Mr. Smith of Ohio.", "We will", "said_of", 0.0),
    ("'writing in an email:' introduces a document excerpt",
     "In early October, Trump’s Virginia state director, Mike Rubino, reached out to rVotes, "
     "writing in an email: “We want to utilize this ASAP.”", "We want", "colon_written", 1.0),
    ("'said in his formal statement:' introduces a document excerpt",
     "Trump, who has told aides he sees the issues as interconnected, said in his formal "
     "statement: \"I am trying to save lives and prevent the next terrorist attack.\"", "I am",
     "colon_written", 1.0),
    ("a spoken colon lead-in is no document",
     "Reid said both Rubio and Cruz are non-entities, but he gave the Texan a back-handed "
     "compliment: \"You never have to guess where he is.\"", "You never", "colon_written", 0.0),
]


@pytest.mark.parametrize("why,para,inner,name,want", FEATURE_CASES,
                         ids=[c[0][:50] for c in FEATURE_CASES])
def test_voicing_features(why, para, inner, name, want):
    from briefing.script import quote_model as QM

    seen: list[QM.Context] = []
    segment(_article([para]), decide=lambda c: seen.append(c) or True)
    ctx = [c for c in seen if c.inner.lstrip("[").startswith(inner)]
    assert ctx, f"no candidate quotation starting {inner!r}"
    assert QM.features(ctx[0])[name] == want, why
