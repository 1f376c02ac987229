"""Narration clean-up shared by the HTML and raw-text cleaners.

Given candidate body blocks and metadata, drop clutter blocks (rules in `clean/rules.py`),
the headline, byline and standfirst where the page repeats them in the body, and decide
whether anything worth narrating is left.
"""

from __future__ import annotations

import re
import unicodedata

from briefing.clean import rules
from briefing.errors import NoArticleFound
from briefing.models import Article, Block

_SPACE_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"\w+")
_ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+\-]\d{2}:?\d{2})?)?$")

# Fewer words than this in the whole body, after clean-up, is not an article to narrate
# (a 404 page, a login wall, a home page of links). The shortest real news items on the
# development pages have about 40 words.
MIN_ARTICLE_WORDS = 25
# Titles that mark an error or wall page; with a short body they mean "no article".
NOT_ARTICLE_TITLES = re.compile(
    r"\b(404|not found|page not found|page cannot be found|error|access denied|forbidden|"
    r"(couldn't|could not|can't|cannot) (find|be found)|doesn't exist|does not exist|"
    r"no longer available|sign in|log ?in|subscribe to (read|continue)|subscription required|"
    r"subscribers only|are you a robot)\b",
    re.IGNORECASE,
)
# Body size under which such a title is believed (error pages rarely run longer).
NOT_ARTICLE_MAX_WORDS = 150


def normalise_space(text: str) -> str:
    """Collapse runs of whitespace (including no-break spaces) to one space and trim."""
    return _SPACE_RE.sub(" ", text.replace("\u00ad", "").replace("\u200b", "")).strip()


def words(text: str) -> list[str]:
    return _WORD_RE.findall(text.lower())


def _key(text: str) -> str:
    return " ".join(words(unicodedata.normalize("NFKC", text)))


def is_clutter(text: str) -> str | None:
    """Why `text` is a clutter block, or None when it may be story text."""
    for pattern, why in rules.COMPILED_CLUTTER_BLOCKS:
        if pattern.match(text):
            return why
    n = len(text.split())
    low = text.lower()
    if n <= rules.STRONG_PHRASE_WORDS:
        for phrase, why in rules.STRONG_CLUTTER_PHRASES:
            if phrase in low:
                return why
    if n <= rules.WEAK_PHRASE_WORDS and not text.rstrip().endswith((".", "?", "!", "”", '"')):
        for phrase, why in rules.WEAK_CLUTTER_PHRASES:
            if phrase in low:
                return why
    return None


def byline_name(text: str) -> str | None:
    """The name(s) in a byline line ("By Jane Doe" -> "Jane Doe"), else None."""
    m = rules.BYLINE_RE.match(text)
    if not m:
        return None
    name = m.group(1).strip(" ,")
    first = name.split()[0].lower().strip(".,")
    if first in rules.BYLINE_NOT_NAMES or any(ch.isdigit() for ch in name):
        return None
    if not name[0].isupper():
        return None
    # BYLINE_RE ignores case (for "BY JANE DOE"), so check the name's words here: every
    # word but a particle or a joiner is capitalised ("By Bunu Qy Tai for." is a sentence).
    for word in re.findall(r"[\w'’.\-]+", name):
        if word[0].islower() and word.lower() not in rules.BYLINE_LOWER_WORDS:
            return None
    # A byline does not end a sentence: "By Jane Doe." is a sentence, "By J. R. R." an initial.
    stripped = text.rstrip()
    if stripped.endswith(("!", "?")) or (stripped.endswith(".") and len(re.sub(r"\W", "", stripped.split()[-1])) > 2):
        return None
    return name


def iso_date(value: str | None) -> str | None:
    """An ISO 8601 date (or datetime) from a metadata value, else None."""
    if not value:
        return None
    value = value.strip()
    if _ISO_RE.match(value):
        return value
    m = re.match(r"^(\d{4}-\d{2}-\d{2})", value)
    if m:
        return m.group(1)
    from datetime import datetime
    from email.utils import parsedate_to_datetime

    try:

        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    for fmt in ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def finish_article(
    blocks: list[Block],
    *,
    source: str,
    title: str,
    byline: str | None,
    site: str | None,
    published: str | None,
    url: str | None,
    standfirst: str | None,
    drop_clutter: bool = True,
    marked_standfirst: bool = False,
    other_titles: tuple[str, ...] = (),
    drop_header_repeats: bool = True,
) -> Article:
    """Apply narration clean-up to `blocks` and build the Article, or raise NoArticleFound."""
    title = normalise_space(title or "")
    title_key = _key(title)
    byline_key = _key(byline) if byline else ""
    stand_key = _key(standfirst) if standfirst else ""
    kept: list[Block] = []
    stand_in_body = False
    for i, block in enumerate(blocks):
        text = normalise_space(block.text)
        if not text or not _WORD_RE.search(text):
            continue
        key = _key(text)
        # The headline, byline and standfirst are read before the body, not again in it.
        if drop_header_repeats and i < 6 and title_key and key == title_key:
            continue
        if i < 8 and (byline_name(text) or (byline_key and key in (byline_key, "by " + byline_key))):
            continue
        if i < 6 and stand_key and key == stand_key:
            if marked_standfirst:
                continue  # the page marks it as its standfirst: read once, before the body
            # The page prints its summary as the opening paragraph: it stays in the body
            # (it is the lede) and is not also read as a standfirst.
            stand_in_body = True
        if drop_clutter and is_clutter(text):
            continue
        kept.append(Block(block.kind, text))
    # A standfirst that only opens the first paragraph (a meta description cut from it) is
    # not a standfirst: the paragraph will be read anyway.
    if stand_in_body:
        standfirst = None
    elif standfirst:
        first = _key(kept[0].text) if kept else ""
        s = stand_key.rstrip(". ")
        if not s or first.startswith(s[: max(20, len(s) - 5)]) or s in _key(" ".join(b.text for b in kept[:3])):
            standfirst = None
    total = sum(len(b.text.split()) for b in kept)
    if total < MIN_ARTICLE_WORDS:
        raise NoArticleFound(source, "only %d words of text left after removing page clutter" % total)
    for name in (title, *other_titles):
        if total < NOT_ARTICLE_MAX_WORDS and name and NOT_ARTICLE_TITLES.search(name):
            raise NoArticleFound(source, f"the page is titled {name!r}")
    # Headings must be followed by text: a trailing heading is a section title for clutter.
    while kept and kept[-1].kind == "heading":
        kept.pop()
    return Article(
        title=title or (kept[0].text[:80] if kept else ""),
        body=tuple(kept),
        byline=normalise_space(byline) if byline else None,
        site=normalise_space(site) if site else None,
        published=iso_date(published),
        url=url,
        standfirst=normalise_space(standfirst) if standfirst else None,
        source=source,
    )
