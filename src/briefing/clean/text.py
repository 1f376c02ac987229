"""Find the article in raw page text (a whole page selected and copied from a browser).

There is no markup to lean on, so each line is judged by what it says (Kohlschütter's
shallow text features, as in boilerpipe and jusText):

1. classify every line: `good` (sentence-like: long, punctuated, rich in stop words),
   `bad` (furniture or clutter: bullets, menus, counters, dates, sign-up and privacy text,
   phrases kept as data in `clean/rules.py`), or `short` (undecided);
2. find the article's region: the stretch of lines with the highest score, where good
   lines add their words and other lines cost a little, so a long menu between two halves
   of a story does not split it but a footer of links is left out; a section head that
   starts comments or related links after the story has begun ends the region;
3. inside the region keep good lines, and short lines whose neighbours are story lines
   (sub-headings, one-line paragraphs, list items of the story);
4. the headline, standfirst and byline are the title-like, summary-like and "By ..." lines
   just above the body.

A plain article with no clutter (one paragraph a line) has no bad lines: every line is kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from briefing.clean import rules
from briefing.clean.blocks import MIN_ARTICLE_WORDS, byline_name, finish_article, is_clutter, normalise_space
from briefing.errors import NoArticleFound
from briefing.models import Article, Block

GOOD, SHORT, BAD = "good", "short", "bad"

# A line is sentence-like ("good") from this many words when at least this share of them
# are stop words and it holds sentence punctuation. Chosen on the development pages: story
# paragraphs are 15-80 words at 30-50% stop words; menus, headlines and captions of credits
# fall short on one or the other. Long lines (LONG_WORDS) are good whatever they say.
GOOD_WORDS = 12
GOOD_STOP_SHARE = 0.22
LONG_WORDS = 40
# What a non-good line costs in the region score, in words of story: a menu of 35 bullets
# (the sample) costs ~70, less than a few story paragraphs beyond it, so the story is not
# cut in two; a footer of short links after the story costs more than it could add.
SHORT_COST = 2.0
BAD_COST = 2.0
# Good lines count at most this many words, so one long comment or legal paragraph far
# from the story cannot drag the region over a long stretch of clutter.
GOOD_CAP = 60

# Two sentence ends inside a line of this many words make it prose (see classify).
MULTI_SENTENCE_WORDS = 10
# A line of this many words as rich in stop words as a story paragraph, but without a full
# stop (a lede copied without its last character, a line the page set apart), extends the
# story's region when it sits right next to it.
PROSE_WORDS = 8

# Headlines written as prose stay under this many words (the development pages' longest
# has 18); a prose line this long opens the story instead.
TITLE_MAX_PROSE_WORDS = 20

_INNER_SENTENCE_END = re.compile(r"[a-z\d)\]'\"”’][.!?]['\"”’]?(?=\s+['\"“‘(]?[A-Z])|[.!?]['\"”’]?$")
_SENTENCE_END = re.compile(r"[.!?…。！？]['\"”’)\]」』]*$|[.!?]['\"”’]?\s+\S|[。！？]")
# Chinese, Japanese and Korean are written without spaces: two characters count as a word.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
_WORD = re.compile(r"[\w'’\-]+")

# Heads that, once the story has begun, end it for certain: comment sections and the
# copyright footer. Whole-line match, case-insensitive.
HARD_END_HEADS = re.compile(
    r"^\s*((\d+\s+)?(comments?|responses?|replies|discussion)|"
    r"(\d+|one|two) (comments?|responses?|replies|thoughts) (to|on) .{1,200}|"
    r"[\w.\-' ]{1,40} (says|wrote|replied)\s*:|"
    r"join the (conversation|discussion)|"
    r"leave a (comment|reply)|add (a )?comment|post a comment|show comments|view comments|"
    r"(©|\(c\)|copyright \d{4}).{0,200}|"
    r"about the authors?|about (this|the) author|"
    r"topics in this article.*|tags?\s*:.*|filed under\s*:?.*)\s*[:.]?\s*$",
    re.IGNORECASE,
)
# Heads of related-links and recommendation boxes. They end the story unless a story
# paragraph (SOFT_END_RESUME_WORDS or more words) follows within SOFT_END_LOOKAHEAD lines:
# such boxes also sit inside articles ("Trending News" between two paragraphs), and
# their teasers are shorter than story paragraphs.
SOFT_END_HEADS = re.compile(
    r"^\s*(related( (articles?|stories|posts|content|coverage|reading|links|news))?|"
    r"(you )?(may|might) (also )?(like|enjoy)|more (stories|articles|news|from [\w .]{1,40})|"
    r"more (in|on) [\w .]{1,30}|"
    r"recommended( (stories|articles|for you|reading|videos?))?|read next|up next|what to read next|"
    r"most (popular|read|viewed|shared)|trending( now| stories| news)?|popular (stories|posts|now)|"
    r"share this (article|story|post)|"
    r"content from our partners|sponsored (content|stories|links)|from around the web|"
    r"around the web|promoted (content|stories)|more on this story|"
    r"latest (news|stories|articles|videos|headlines)|top stories|also (read|see|on [\w .]{1,30})|"
    r"(previous|next) (article|post|story))\s*[:.]?\s*$",
    re.IGNORECASE,
)
SOFT_END_LOOKAHEAD = 10
SOFT_END_RESUME_WORDS = 30
# Words of story needed before a head ends the region (a "Related" box can sit above
# the story too, in a sidebar, without ending anything).
END_AFTER_WORDS = 80


@dataclass
class Line:
    text: str
    words: int
    kind: str
    bullet: bool
    why: str = ""
    stop: float = 0.0


# Share of a page's words that are English stop words above which the page is taken to be in
# English without trying the other languages' lists: on ../shared/bench/extraction the English
# pages score 34-63% on the English list and the pages in other languages at most 17%.
ENGLISH_SURE = 0.3


@lru_cache(maxsize=None)
def _stoplist(language: str) -> frozenset[str]:
    extra = rules.STOP_WORDS if language == "English" else frozenset()
    try:
        words = _justext_stoplist(language)
    except OSError:  # jusText missing, or no list for the language
        return rules.STOP_WORDS
    return frozenset(w.lower() for w in words.splitlines()) | extra


def _justext_stoplist(language: str) -> str:
    """jusText's stop list for `language` (its 100 languages' lists are plain word-per-line
    files), read without importing jusText: that imports lxml.html, urllib.request and ssl,
    ~35 ms before a run of local text files can start speaking, for no use but the file."""
    from importlib.util import find_spec

    spec = find_spec("justext")  # locates the package without running it
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("jusText is not installed")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return (folder / "stoplists" / f"{language}.txt").read_text(encoding="utf-8")


def page_stoplist(texts: list[str]) -> frozenset[str]:
    """Stop words of the page's language: the list that covers most of its longer lines."""
    tokens = [t.lower() for text in texts if text.count(" ") >= 7 for t in _WORD.findall(text)][:5000]
    if not tokens:
        return _stoplist("English")
    best = _stoplist("English")
    best_hits = sum(1 for t in tokens if t in best)
    if best_hits >= ENGLISH_SURE * len(tokens):
        return best  # plainly English: no other list comes close, and loading 20 lists costs ~70 ms
    for language in rules.STOPLIST_LANGUAGES:
        stops = _stoplist(language)
        hits = sum(1 for t in tokens if t in stops)
        if hits > best_hits:
            best, best_hits = stops, hits
    return best


def _stop_share(tokens: list[str], stops: frozenset[str]) -> float:
    if not tokens:
        return 0.0
    return sum(1 for t in tokens if t.lower() in stops) / len(tokens)


def _is_sentence(text: str) -> bool:
    return bool(_SENTENCE_END.search(text))


def classify(text: str, stops: frozenset[str] = rules.STOP_WORDS) -> Line:
    """Judge one line of page text on its own."""
    bullet = bool(rules.BULLET_RE.match(text))
    body = rules.BULLET_RE.sub("", text).strip()
    tokens = _WORD.findall(body)
    n = len(tokens)
    cjk = len(_CJK.findall(body))
    if cjk:
        n = max(n, cjk // 2)
    if n == 0:
        return Line(text, 0, BAD, bullet, "no words")
    for pattern, why in rules.COMPILED_TEXT_FURNITURE:
        if pattern.match(body):
            return Line(body, n, BAD, bullet, why)
    why = is_clutter(body)
    if why:
        return Line(body, n, BAD, bullet, why)
    stop = _stop_share(tokens, stops) if cjk < len(body) // 3 else 1.0
    if n >= LONG_WORDS or (n >= GOOD_WORDS and stop >= GOOD_STOP_SHARE and _is_sentence(body)):
        return Line(body, n, GOOD, bullet, stop=stop)
    # Several sentences on one line are prose even with few stop words (match reports,
    # listings: "Viera (4-0): K. Hupfer 1 goal. L. Patikas 1 goal."); menus and headlines
    # do not hold two full stops.
    if n >= MULTI_SENTENCE_WORDS and len(_INNER_SENTENCE_END.findall(body)) >= 2:
        return Line(body, n, GOOD, bullet, stop=stop)
    return Line(body, n, SHORT, bullet, stop=stop)


# A line printed twice or more on one page, of this many words or more, is a link (menus
# repeated in header and footer, related-story cards showing a headline as image alt text
# and as link). Story paragraphs are not repeated; short lines ("Share") are judged alone.
REPEAT_MIN_WORDS = 3


def _mark_repeats(lines: list[Line]) -> None:
    if not any(line.kind == BAD for line in lines):
        return  # a plain article: nothing is dropped for being repeated
    n = len(lines)
    first_at: dict[str, int] = {}
    last_at: dict[str, int] = {}
    for i, line in enumerate(lines):
        first_at.setdefault(line.text, i)
        last_at[line.text] = i
    for i, line in enumerate(lines):
        if line.kind == BAD or line.words < REPEAT_MIN_WORDS:
            continue
        # A related-story card: the headline twice in a row (image alt text and link),
        # then its summary.
        if i >= 1 and lines[i - 1].text == line.text:
            lines[i - 1].kind = line.kind = BAD
            lines[i - 1].why = line.why = "repeated headline"
            if i + 1 < n and lines[i + 1].kind == GOOD:
                lines[i + 1].kind, lines[i + 1].why = BAD, "teaser after a repeated headline"
        # The same link in the header and in the footer of the page.
        elif first_at[line.text] < n // 4 and last_at[line.text] > n - n // 4:
            line.kind, line.why = BAD, "repeated in header and footer"


# Teaser cards (a headline, an author, a date and a one-paragraph summary, repeated down
# the page) show their summary as a lone sentence-like line next to a date line. A story
# paragraph has another story line beside it. Counted only when the page has at least
# TEASER_MIN_CARDS such cards in a row, so a lone paragraph under a dateline is not affected.
TEASER_MIN_CARDS = 3
# Cards in a list sit 4-6 lines apart on the development pages; 10 allows for a wider card.
TEASER_CHAIN_GAP = 10
_DATE_WHY = ("date lines", "publication date lines", "relative timestamps", "ISO date lines", "counters")


def _mark_teasers(lines: list[Line]) -> None:
    n = len(lines)
    cards = []
    for i, line in enumerate(lines):
        if line.kind != GOOD:
            continue
        if (i > 0 and lines[i - 1].kind == GOOD) or (i + 1 < n and lines[i + 1].kind == GOOD):
            continue
        near = [lines[j] for j in range(max(0, i - 2), min(n, i + 3)) if j != i]
        if any(x.kind == BAD and x.why in _DATE_WHY for x in near):
            cards.append(i)
    # Cards come in a list: a chain of candidates each within TEASER_CHAIN_GAP lines of
    # the next. A story's standfirst and first paragraph around its own dateline make a
    # chain of two, not a list.
    chain: list[int] = []
    for i in cards + [None]:
        if i is not None and chain and i - chain[-1] <= TEASER_CHAIN_GAP:
            chain.append(i)
            continue
        if len(chain) >= TEASER_MIN_CARDS:
            for k in chain:
                lines[k].kind, lines[k].why = BAD, "teaser card"
        chain = [i] if i is not None else []


def _region(lines: list[Line]) -> tuple[int, int]:
    """Index range [start, end) of the article: the best-scoring stretch of lines."""
    best, best_start, best_end = 0.0, 0, 0
    run, run_start = 0.0, 0
    for i, line in enumerate(lines):
        if line.kind == GOOD:
            gain = min(line.words, GOOD_CAP)
        elif line.kind == BAD:
            gain = -BAD_COST
        else:
            gain = -SHORT_COST
        if run <= 0:
            run, run_start = 0.0, i
        run += gain
        if run > best:
            best, best_start, best_end = run, run_start, i + 1
    if best <= 0:
        return 0, 0
    # A closing one-line paragraph ("He then started sobbing.") costs more than it adds
    # on its own; a short sentence right after the best stretch still belongs to it.
    while best_end < len(lines) and lines[best_end].kind == SHORT and lines[best_end].words >= 3 \
            and _is_sentence(lines[best_end].text) and not lines[best_end].bullet:
        best_end += 1
    # A prose line without a full stop right next to the story belongs to it (a lede
    # copied without its last character); a headline or a menu line is not that rich
    # in stop words.
    def prose(line: Line) -> bool:
        return line.kind == SHORT and not line.bullet and line.words >= PROSE_WORDS and line.stop >= GOOD_STOP_SHARE

    while best_start > 0 and prose(lines[best_start - 1]):
        best_start -= 1
    while best_end < len(lines) and prose(lines[best_end]):
        best_end += 1
    # Stop at a comments / related-links head once enough of the story has been read.
    seen = 0
    for i in range(best_start, best_end):
        line = lines[i]
        if line.kind == GOOD:
            seen += line.words
        elif seen >= END_AFTER_WORDS and (HARD_END_HEADS.match(line.text) or (
            SOFT_END_HEADS.match(line.text) and not any(
                lines[j].kind == GOOD and lines[j].words >= SOFT_END_RESUME_WORDS
                for j in range(i + 1, min(best_end, i + 1 + SOFT_END_LOOKAHEAD))
            )
        )):
            best_end = i
            break
    return best_start, best_end


def _keep_short(lines: list[Line], i: int, start: int, end: int) -> bool:
    """Whether an undecided line inside the region belongs to the story."""
    line = lines[i]
    prev_kind = next((lines[j].kind for j in range(i - 1, start - 1, -1) if lines[j].kind != SHORT), GOOD)
    next_kind = next((lines[j].kind for j in range(i + 1, end) if lines[j].kind != SHORT), GOOD)
    if prev_kind == GOOD and next_kind == GOOD:
        return True
    # Next to clutter: only a real sentence (a one-line paragraph) stays.
    return _is_sentence(line.text) and line.words >= 3 and (prev_kind == GOOD or next_kind == GOOD)


def _looks_like_title(line: Line) -> bool:
    if line.kind == BAD or line.bullet or not (2 <= line.words <= 30):
        return False
    if line.words >= TITLE_MAX_PROSE_WORDS and line.stop >= GOOD_STOP_SHARE:
        return False  # a long line of prose without a full stop is a paragraph
    if byline_name(line.text):
        return False
    text = line.text
    if not text.rstrip().endswith((".", "!", "…")) or text.rstrip().endswith("?"):
        return True
    # Headlines that end in a full stop are still written in title case.
    tokens = [t for t in _WORD.findall(text) if t.lower() not in rules.STOP_WORDS]
    caps = sum(1 for t in tokens if t[:1].isupper())
    return bool(tokens) and caps / len(tokens) >= 0.6


def _plain(lines: list[Line]) -> bool:
    """A clutter-free article: no furniture, no bullets, no clutter but whole sentences.

    A text of paragraphs may end "Read the rest here." or "Source: NATO.": written by its
    author, as sentences, and read with the rest. A page copied from a browser always has
    furniture that is not a sentence (menus, dates, counters, separators), so it is never
    taken for a plain text.
    """
    return not any(
        line.bullet or (line.kind == BAD and not (line.words >= 2 and _SENTENCE_END.search(line.text)))
        for line in lines
    )


def clean_text(text: str, source: str, url: str | None = None) -> Article:
    """Extract the article from raw page text; raise NoArticleFound when there is none."""
    if len(text) > rules.MAX_TEXT_CHARS:
        text = text[: rules.MAX_TEXT_CHARS]
    raw = [normalise_space(t) for t in text.splitlines()]
    raw = [t for t in raw if t]
    stops = page_stoplist(raw)
    lines = [classify(t, stops) for t in raw]
    _mark_repeats(lines)
    _mark_teasers(lines)
    if not lines:
        raise NoArticleFound(source, "the file is empty")
    plain = _plain(lines)
    if plain:
        start, end = 0, len(lines)
        keep = list(range(len(lines)))
    else:
        start, end = _region(lines)
        if end > start:
            keep = [i for i in range(start, end) if lines[i].kind == GOOD or (lines[i].kind == SHORT and _keep_short(lines, i, start, end))]
        else:
            # No line reads as a story paragraph (very short sentences, or a language whose
            # stop words we lack): keep every sentence that is not clutter, and let the
            # word count decide whether that is an article.
            keep = [i for i, line in enumerate(lines) if line.kind != BAD and _is_sentence(line.text)]
            if not keep:
                raise NoArticleFound(source, "no stretch of story text among the page's lines")
            start, end = keep[0], keep[-1] + 1

    # Headline, standfirst and byline: just above the body (or its first lines).
    title, byline, standfirst = "", None, None
    first = keep[0] if keep else start
    header_from = max(0, first - 12)
    byline_at = None
    for j in range(header_from, min(len(lines), first + 4)):
        name = byline_name(lines[j].text)
        if name:
            byline, byline_at = name, j
            break
    title_at = None
    search_end = byline_at if byline_at is not None and byline_at < first + 4 else first + 1
    for j in range(search_end - 1, header_from - 1, -1):
        if lines[j].kind == GOOD and (j == first or plain):
            # A story paragraph is not a headline, even one written in title case; in a
            # clutter-free text every sentence-like line is a paragraph to narrate.
            continue
        if _looks_like_title(lines[j]):
            title_at = j
            # A summary line between headline and byline is the standfirst.
            if byline_at is not None and title_at < byline_at:
                between = [k for k in range(title_at + 1, byline_at) if lines[k].kind != BAD]
                if len(between) == 1 and _is_sentence(lines[between[0]].text):
                    standfirst = lines[between[0]].text
                    keep = [k for k in keep if k != between[0]]
            break
    if title_at is not None and plain and sum(lines[k].words for k in keep if k != title_at) < MIN_ARTICLE_WORDS:
        # A short clutter-free text: its first line is read as part of the story rather
        # than leave too little to count as an article.
        title_at, standfirst = None, None
    if title_at is not None:
        # Only a line that reads as a headline leaves the body; a first paragraph stays.
        title = lines[title_at].text
        keep = [k for k in keep if k != title_at]
    if byline_at is not None:
        keep = [k for k in keep if k != byline_at]

    blocks = [
        Block("list_item" if lines[k].bullet else ("heading" if _is_heading(lines, k) else "paragraph"), lines[k].text)
        for k in keep
    ]
    return finish_article(
        blocks,
        source=source,
        title=title,
        byline=byline,
        site=_site_from_text(lines),
        published=None,
        url=url,
        standfirst=standfirst,
        drop_clutter=False,  # lines were judged above, with their neighbours
        # A clutter-free text that repeats its first line means it: every word is read.
        drop_header_repeats=not plain,
    )


def _is_heading(lines: list[Line], k: int) -> bool:
    line = lines[k]
    return line.kind == SHORT and not line.bullet and line.words <= 12 and not _is_sentence(line.text)


_SITE_RE = re.compile(r"\b(?:the\s+)?((?:[A-Z][\w&'’\-]*\s+){0,3}[A-Z][\w&'’\-]*)\s+(?:(?:reported|reports|has learned|learned|understands)\b)")
_TOLD_RE = re.compile(r"\btold\s+the\s+((?:[A-Z][\w&'’\-]*\s+){0,2}[A-Z][\w&'’\-]*)\b")
_COPYRIGHT_RE = re.compile(r"(?:©|\(c\)|copyright)\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?\s*,?\s*([A-Z][\w&'’.\- ]{2,40}?)(?:\.|,|\s+all rights|\s*$)", re.IGNORECASE)


def _site_from_text(lines: list[Line]) -> str | None:
    """The publication's name, from generic signals in the text.

    A copyright line names the publisher; otherwise, a capitalised name that the story
    itself uses for the reporter ("told the New Statesman", "the Post has learned") and
    which is repeated is taken.
    """
    for line in reversed(lines[-40:]):
        m = _COPYRIGHT_RE.search(line.text)
        if m:
            name = m.group(1).strip(" .,")
            if name and len(name.split()) <= 5:
                return name
    counts: dict[str, int] = {}
    for line in lines:
        if line.kind != GOOD:
            continue
        for m in _TOLD_RE.finditer(line.text):
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
        for m in re.finditer(r"\bWhen the ((?:[A-Z][\w&'’\-]*\s+){0,2}[A-Z][\w&'’\-]*) (?:arrived|visited|asked|contacted|spoke)", line.text):
            counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    if counts:
        name, n = max(counts.items(), key=lambda kv: kv[1])
        if n >= 2:
            return name
    return None
