"""Bad input: the cleaner answers every page with an article or a clear BriefingError."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.clean.decode import clean, decode
from briefing.errors import NoArticleFound, SourceError
from briefing.models import Document

FIXTURES = Path(__file__).parent / "fixtures" / "clean"
ARTICLE = (FIXTURES / "article_with_clutter.html").read_bytes()
PARAGRAPH = (
    "The council said the repair would cost about four million pounds and take most of the "
    "summer, and that the fishing boats would be moved to a mooring up the estuary."
)


def test_malformed_html_still_yields_the_article():
    broken = ARTICLE.replace(b"</p>", b"").replace(b"</div>", b"").replace(b"</article>", b"<p><b><i>")
    broken = broken[: len(broken) - 200] + b"<div <p class='x"  # truncated mid-tag
    article = clean(Document(source="broken.html", content=broken))
    assert any("rebuild the sea wall" in b.text for b in article.body)


_HUGE_SCRIPT = """
import resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30))
from pathlib import Path
from briefing.clean.decode import clean
from briefing.models import Document
article = Path(sys.argv[1]).read_bytes()
filler = b"<div class='promo'><a href='/x'>More deals</a> <img src='data:image/png;base64," + b"A" * 4000 + b"'></div>\\n"
page = article.replace(b"</main>", filler * (50 * 2**20 // len(filler) + 1) + b"</main>")
assert len(page) >= 50 * 2**20
started = time.perf_counter()
result = clean(Document(source="huge.html", content=page))
print(round(time.perf_counter() - started, 1), any("rebuild the sea wall" in b.text for b in result.body))
"""


def test_fifty_megabyte_page_is_bounded_in_time_and_memory():
    import subprocess
    import sys

    # A child process with a 2 GB address-space cap: a blow-up fails it instead of the machine.
    done = subprocess.run(
        [sys.executable, "-c", _HUGE_SCRIPT, str(FIXTURES / "article_with_clutter.html")],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    seconds, found = done.stdout.split()
    assert float(seconds) < 30
    assert found == "True"


def test_deeply_nested_markup_does_not_crash():
    depth = 20000
    page = b"<html><body>" + b"<div>" * depth + f"<p>{PARAGRAPH}</p>".encode() * 3 + b"</div>" * depth + b"</body></html>"
    try:
        article = clean(Document(source="deep.html", content=page))
    except NoArticleFound:
        return  # acceptable: too deep to read, reported cleanly
    assert "four million pounds" in " ".join(b.text for b in article.body)


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)) * 20, "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20, "PNG"),
        (bytes(range(256)) * 40, "binary"),
    ],
)
@pytest.mark.parametrize("kind", ["html", "text"])
def test_binary_bytes_are_refused_with_a_clear_reason(content, what, kind):
    with pytest.raises(SourceError) as err:
        clean(Document(source="thing.html", content=content, kind=kind))
    assert not isinstance(err.value, NoArticleFound)
    assert what in str(err.value)
    assert str(err.value).startswith("thing.html: this ")


@pytest.mark.parametrize("content", [b"", b"   \n\n\t ", b"\xef\xbb\xbf"])
@pytest.mark.parametrize("kind", ["html", "text"])
def test_empty_files_are_no_article(content, kind):
    with pytest.raises(NoArticleFound) as err:
        clean(Document(source="empty.txt", content=content, kind=kind))
    assert str(err.value).startswith("no article found in empty.txt")


def test_html_of_empty_elements_is_no_article():
    with pytest.raises(NoArticleFound):
        clean(Document(source="e.html", content=b"<html><head></head><body><div></div></body></html>"))


def test_clutter_only_text_is_no_article():
    text = "\n".join(["Home", "News", "Sport", "  • Weather", "  • Jobs", "Sign up for our newsletter",
                      "Privacy policy", "© 2023 The Coastal Courier. All rights reserved."])
    with pytest.raises(NoArticleFound):
        clean(Document(source="menu.txt", content=text.encode(), kind="text"))


# --- encodings --------------------------------------------------------------------------------

TEXT = "Café society: the señora’s crème brûlée cost 5 €, said Zoë in Köln."


def test_declared_charset_in_content_type_is_honoured():
    doc = Document(source="x", content=TEXT.encode("cp1252"), content_type="text/plain; charset=windows-1252", kind="text")
    assert decode(doc) == TEXT


def test_meta_charset_is_honoured():
    latin9 = TEXT.replace("’", "'")  # Latin-9 has the euro sign but no curly quotes
    page = f'<html><head><meta charset="iso-8859-15"></head><body><p>{latin9}</p></body></html>'
    assert latin9 in decode(Document(source="x", content=page.encode("iso-8859-15")))


def test_http_equiv_charset_is_honoured():
    page = f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=koi8-r"></head><body><p>Привет, мир. {PARAGRAPH}</p></body></html>'
    assert "Привет, мир." in decode(Document(source="x", content=page.encode("koi8-r")))


def test_missing_charset_is_detected():
    russian = "Правительство объявило о новых мерах поддержки малого бизнеса в регионах страны. " * 5
    doc = Document(source="x", content=russian.encode("cp1251"), kind="text")
    assert decode(doc) == russian


def test_wrong_declared_charset_falls_back_to_detection():
    doc = Document(source="x", content=TEXT.encode("utf-8"), content_type="text/plain; charset=ascii", kind="text")
    assert decode(doc) == TEXT


def test_utf16_text_with_bom_is_read():
    doc = Document(source="x", content=TEXT.encode("utf-16"), kind="text")
    assert decode(doc) == TEXT


def test_non_utf8_raw_text_is_cleaned():
    body = "\n\n".join(f"{PARAGRAPH} Zoë paid 5 € for crème brûlée number {i}." for i in range(4))
    article = clean(Document(source="latin.txt", content=body.encode("cp1252"), kind="text"))
    assert "crème brûlée" in article.body[0].text
