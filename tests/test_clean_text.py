"""Raw page text: the sample seed's expectations, and plain articles keep every word."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from briefing.clean.decode import clean
from briefing.models import Document

SEEDS = Path(__file__).parents[2] / "shared" / "seeds"
SEED = SEEDS / "000_5440ee967bd20389.txt"
EXPECTED = SEEDS / "000_5440ee967bd20389.expected.json"


def _space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def seed():
    if not SEED.exists() or not EXPECTED.exists():
        pytest.fail(f"the sample seed is missing: expected {SEED} and {EXPECTED} (the repo's sibling shared/ folder)")
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    article = clean(Document(source=str(SEED), content=SEED.read_bytes(), kind="text"))
    return article, expected


def test_seed_metadata(seed):
    article, expected = seed
    assert article.title == expected["title"]
    assert article.byline == expected["byline"]
    assert article.standfirst == expected["standfirst"]
    assert article.site == expected["site"]


def test_seed_every_must_be_narrated_line_is_in_the_body(seed):
    article, expected = seed
    body = [_space(b.text) for b in article.body]
    missing = [line[:60] for line in expected["must_be_narrated"] if _space(line) not in body]
    assert not missing
    # ...in the page's order
    positions = [body.index(_space(line)) for line in expected["must_be_narrated"]]
    assert positions == sorted(positions)


def test_seed_nothing_of_must_not_be_narrated(seed):
    article, expected = seed
    body = " ".join(_space(b.text) for b in article.body)
    for line in expected["must_not_be_narrated"]:
        text = _space(line.lstrip("• "))
        assert text not in body, text


def test_seed_title_byline_and_standfirst_not_repeated_in_body(seed):
    article, expected = seed
    texts = [b.text for b in article.body]
    assert expected["title"] not in texts
    assert expected["standfirst"] not in texts
    assert not any("Kilner" in t for t in texts)


PLAIN = """Council approves new cycle lanes for the city centre

The city council voted on Tuesday to build four kilometres of protected cycle lanes through the centre, after a two-year consultation that drew more than six thousand responses.

Supporters said the lanes would make the streets safer for children riding to school. Opponents, mostly shop owners on the high street, said the loss of parking would hurt trade.

"We listened to everyone," said the council leader. "This is the plan that most people asked for."

Work is due to start in the spring.
"""


def test_plain_article_loses_no_word():
    article = clean(Document(source="plain.txt", content=PLAIN.encode(), kind="text"))
    assert article.title == "Council approves new cycle lanes for the city centre"
    assert [b.text for b in article.body] == [p.strip() for p in PLAIN.split("\n\n")[1:]]
    narrated = " ".join([article.title] + [b.text for b in article.body])
    assert set(re.findall(r"\w+", PLAIN)) <= set(re.findall(r"\w+", narrated))
    assert article.body[-1].text == "Work is due to start in the spring."


def test_first_line_that_is_a_paragraph_is_not_taken_as_title():
    text = PLAIN.split("\n\n", 1)[1]  # no headline: the text opens with its first paragraph
    article = clean(Document(source="plain.txt", content=text.encode(), kind="text"))
    assert article.body[0].text.startswith("The city council voted on Tuesday")


@pytest.mark.parametrize("language", ["English", "German", "Portuguese"])
def test_stop_lists_are_justexts_own(language):
    # Read from jusText's files without importing it: the words must be exactly its lists.
    import justext

    from briefing.clean import text as clean_text
    from briefing.clean import rules as extraction_rules

    extra = extraction_rules.STOP_WORDS if language == "English" else frozenset()
    assert clean_text._stoplist(language) == frozenset(w.lower() for w in justext.get_stoplist(language)) | extra


def test_page_in_german_gets_the_german_stop_list():
    from briefing.clean import text as clean_text

    lines = ["Die Regierung hat am Montag angekündigt, dass sie die Steuern für kleine Unternehmen "
             "senken wird, nachdem die Wirtschaft im letzten Jahr nicht gewachsen ist."] * 3
    assert clean_text.page_stoplist(lines) == clean_text._stoplist("German")
    assert clean_text._stoplist("Klingon") == clean_text.rules.STOP_WORDS  # no such list: the built-in one
