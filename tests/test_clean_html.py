"""HTML cleaning: keep the whole article in order, drop the clutter, read the metadata."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.clean.decode import clean
from briefing.errors import NoArticleFound
from briefing.models import Document

FIXTURES = Path(__file__).parent / "fixtures" / "clean"


def _clean(name: str, kind: str = "html"):
    path = FIXTURES / name
    return clean(Document(source=str(path), content=path.read_bytes(), kind=kind))


def test_article_body_kept_in_order_and_clutter_dropped():
    article = _clean("article_with_clutter.html")
    texts = [b.text for b in article.body]
    joined = "\n".join(texts)
    opening = "Work began on Monday to rebuild the sea wall"
    closing = "the first boats should return to their berths by September."
    assert texts[0].startswith(opening)
    assert texts[-1].endswith(closing)
    assert joined.index("original wall was finished in 1887") < joined.index("interlocking concrete units")
    for gone in ("Photo:", "Getty", "Sign up", "Subscribe", "cookies", "Related stories", "Storm damage bill",
                 "about time too", "All rights reserved", "Privacy policy", "Tweet", "Home"):
        assert gone not in joined, gone


def test_article_headings_quotes_and_lists_keep_their_kind():
    article = _clean("article_with_clutter.html")
    kinds = {b.text: b.kind for b in article.body}
    assert kinds["A wall built for a different sea"] == "heading"
    assert kinds["The lifeboat station stays open throughout the works."] == "list_item"
    quote = next(t for t in kinds if t.startswith("We are not patching the old wall"))
    assert kinds[quote] == "quote"


def test_metadata_from_page_tags_and_not_repeated_in_body():
    article = _clean("article_with_clutter.html")
    assert article.title == "Harbour town rebuilds its sea wall after winter storms"
    assert article.byline == "Maria Okafor"
    assert article.site == "The Coastal Courier"
    assert article.published.startswith("2023-03-14")
    assert article.standfirst == "Engineers say the new wall will hold back a once-in-a-century surge."
    texts = [b.text for b in article.body]
    assert article.title not in texts
    assert not any(t.startswith("By Maria") for t in texts)
    assert article.standfirst not in texts


@pytest.mark.parametrize("name", ["clutter_only.html", "not_found.html", "login_wall.html"])
def test_pages_without_an_article_are_reported(name):
    with pytest.raises(NoArticleFound) as err:
        _clean(name)
    assert str(err.value).startswith(f"no article found in {FIXTURES / name}")


def test_gzipped_page_is_read_as_html_whatever_its_name():
    import gzip

    content = gzip.compress((FIXTURES / "article_with_clutter.html").read_bytes())
    article = clean(Document(source="page.html.gz", content=content, kind="text"))
    assert article.title == "Harbour town rebuilds its sea wall after winter storms"
