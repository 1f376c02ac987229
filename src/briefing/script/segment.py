"""Split an article into narrator and quote segments, each quote with its speaker.

Stage SEGMENTING: quotations that stand as a speaker's own sentence(s) become quote segments;
scare quotes, titles and partial quotes woven into a sentence stay with the narrator.
Rules live in quote_rules.py, speaker finding in attribution.py, speech text in normalize.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from briefing.script import quote_model as QM
from briefing.script import quote_rules as R
from briefing.script.attribution import (
    DETERMINERS,
    People,
    attribute_after,
    attribute_before,
    name_runs,
    sentence_starts,
    tokens,
)
from briefing.models import Article, Segment
from briefing.script.normalize import spoken

WORD = re.compile(r"[^\W_]+")  # any script: Arabic and Hebrew paragraphs are words too
LEAD_SKIP = " \t\n.…-–—[(‘'\"“"


@dataclass
class Span:
    """One quotation in a paragraph: offsets of the marks and of the words inside."""

    start: int
    end: int
    inner_start: int
    inner_end: int
    closed: bool
    voiced: bool = False
    speaker: str | None = None
    context: QM.Context | None = None  # what the voicing model saw
    how: str = ""  # how the speaker was found: after, before, cont, prior, colon, later, open


def find_spans(text: str) -> list[Span]:
    """Top-level double-quoted spans; a quote left open runs to the end of the paragraph."""
    spans: list[Span] = []
    open_at: int | None = None
    for i, c in enumerate(text):
        if c in R.OPEN_QUOTES or (c == R.STRAIGHT_QUOTE and open_at is None):
            if open_at is not None:
                spans.append(Span(open_at, i, open_at + 1, i, False))
            open_at = i
        elif c in R.CLOSE_QUOTES or c == R.STRAIGHT_QUOTE:
            if open_at is not None:
                spans.append(Span(open_at, i + 1, open_at + 1, i, True))
                open_at = None
    if open_at is not None:
        spans.append(Span(open_at, len(text), open_at + 1, len(text), False))
    return [s for s in spans if WORD.search(text[s.inner_start:s.inner_end])]


def _sentence_start(text: str, pos: int, floor: int) -> int:
    starts = [s for s in sentence_starts(text) if floor <= s <= pos]
    return max([floor] + starts)


def _starts_capital(inner: str) -> bool:
    s = inner.lstrip(LEAD_SKIP)
    return bool(s) and (s[0].isupper() or s[0].isdigit())


def _ends_sentence(inner: str) -> bool:
    return inner.rstrip().rstrip("’'\"”)").endswith((".", "!", "?", "…"))


def _ends_punct(inner: str) -> bool:
    return inner.rstrip().rstrip("’'\"”)").endswith((".", "!", "?", "…", ",", "—", "–", "-", ":", ";"))


def _left_ok(left: str) -> bool:
    """The quote begins its sentence, or follows an attribution ending in ',' or ':'."""
    left = left.strip()
    if not left or not WORD.search(left):
        return True
    if left.endswith(":"):
        return _colon_intro(left)
    toks = [t.lower() for t in tokens(left)]
    words = [t for t in toks if WORD.fullmatch(t[:1] or "-")]
    verbs = [i for i, t in enumerate(toks) if t in R.SPEECH_VERBS]
    if verbs and "that" in toks[verbs[-1]:]:
        # "tells audiences that ..., “It's time.”": reported speech. Only the verb nearest the
        # quote counts: "X joked that ..., but went on to say, “…”" introduces it directly
        return False
    if left.endswith(","):
        # the verb must be near the quote: "Hannity added," / "said Solovey," / "X told
        # reporters,"; "Sanders said, suggesting a few questions, including," is narration
        near = toks[-(R.MAX_VERB_DISTANCE + 1):]
        return any(t in R.SPEECH_VERBS for t in near) or "according" in near
    if words and words[-1] in R.SPEECH_VERBS and words[-1] not in {"read", "reads"}:
        return True
    return False


def _woven(left: str) -> bool:
    """Narrator words open the sentence and do not attribute: 'If the bill passes, “…,” X said'.

    The quotation finishes the narrator's sentence rather than standing as the speaker's own,
    so it stays with the narrator even though an attribution follows it (train: 9 of 10 such
    quotes are partial). Words that attribute ('Asked about it, X said “…,” she said'), a colon
    or an opening bracket or dash before the quote do not count.
    """
    left = left.strip()
    if not WORD.search(left) or left.endswith((":", "(", "[", "—", "–", "-")):
        return False
    toks = [t.lower() for t in tokens(left)]
    return not any(t in R.SPEECH_VERBS for t in toks) and "according" not in toks


def _sentence_after(inner: str, right: str) -> bool:
    """The quote ends the sentence and a new one follows: 'led to another “Holocaust.” Netanyahu
    has said ...' - that next sentence is the narrator's, not this quote's attribution."""
    return _ends_sentence(inner) and right.lstrip()[:1].isupper()


def _right_ok(right: str, inner: str) -> bool:
    """After the quote: attribution, the end of the sentence, or a new sentence."""
    r = right.lstrip()
    if not r or not WORD.search(r):
        return True
    if r[0] in ".!?;:)—–-":
        return True
    if _ends_punct(inner):
        return True
    return _attribution_follows(r)


def _voiced(text: str, span: Span, floor: int, prev_voiced: bool) -> bool:
    inner = text[span.inner_start:span.inner_end]
    left = text[_sentence_start(text, span.start, floor):span.start]
    right = text[span.end:]
    # '“A,” he said, “and B.”': the second half of a split quotation may start lower case
    continuation = prev_voiced and left.strip().endswith(",") and _left_ok(left)
    if not _starts_capital(inner) and not continuation:
        return False
    if not _left_ok(left) and not (span.closed and _ends_punct(inner) and _attribution_follows(right)
                                   and not _woven(left) and not _sentence_after(inner, right)):
        return False
    if span.closed and not _right_ok(right, inner):
        return False
    n = len(WORD.findall(inner))
    if n < R.MIN_VOICE_WORDS and not _ends_sentence(inner) and not _attribution_follows(right):
        return False
    return True


def _attribution_follows(right: str) -> bool:
    """The words right after the quote attribute it: ', he said', ' said Smith', ' the official said'."""
    toks = tokens(right)[:8]
    while toks and toks[0] in {",", "—", "–"}:
        toks = toks[1:]
    if not toks:
        return False
    first = toks[0]
    if not (first.lower() in R.SPEECH_VERBS or first[:1].isupper()
            or first.lower() in R.ALL_PRONOUNS or first.lower() in DETERMINERS):
        return False
    for t in toks[:6]:
        if t in {".", ";", "!", "?"}:
            return False
        if t.lower() in R.SPEECH_VERBS:
            return True
    return False


def _regions(text: str, spans: list[Span], k: int) -> tuple[str, str]:
    """Narration right after and right before voiced span k, within its sentence."""
    s = spans[k]
    nxt = next((o.start for o in spans[k + 1:] if o.voiced), len(text))
    after = text[s.end:nxt]
    prev_end = max([0] + [o.end for o in spans[:k] if o.voiced])
    before = text[_sentence_start(text, s.start, prev_end):s.start]
    return after, before


def _plan_block(text: str) -> list[Span]:
    """Find the quotations of one paragraph and decide which stand as speech."""
    spans = find_spans(text)
    for i, sp in enumerate(spans):
        prev_end = spans[i - 1].end if i else 0
        sp.voiced = _voiced(text, sp, prev_end, bool(i) and spans[i - 1].voiced)
    return spans


def _colon_intro(left: str) -> bool:
    """'Trump said in a statement:' or 'Carl Bialik:' introduces speech; 'as follows:' does not."""
    toks = [t.lower() for t in tokens(left)]
    if any(t in R.SPEECH_VERBS for t in toks):
        return True
    # 'Rep. Trey Gowdy (R-S.C.):' - the party label does not stand between name and colon
    head = re.sub(r"\s*\([^()]*\)\s*$", "", left.strip().rstrip(":").rstrip())
    runs = name_runs(head)
    return len(tokens(head)) <= 6 and bool(runs) and runs[-1][1] >= len(head) - 1


def _paragraph_segments(text: str, spans: list[Span], block: int) -> list[Segment]:
    out: list[Segment] = []
    pos = 0

    def narr(piece: str) -> None:
        piece = piece.strip()
        if WORD.search(piece):
            out.append(Segment("narrator", piece, spoken(piece), None, "", block))

    for sp in spans:
        if not sp.voiced:
            continue
        narr(text[pos:sp.start])
        inner = text[sp.inner_start:sp.inner_end].strip()
        if WORD.search(inner):
            out.append(Segment("quote", inner, spoken(inner), sp.speaker, "", block))
        else:
            narr(inner)
        pos = sp.end
    narr(text[pos:])
    return out


def _narration(text: str, spans: list[Span]) -> str:
    """Paragraph text with voiced quotations blanked (same length, so offsets hold)."""
    chars = list(text)
    for sp in spans:
        if sp.voiced:
            for i in range(sp.start, sp.end):
                chars[i] = " "
    return "".join(chars)


class _Attributor:
    """Walks the paragraphs in order, giving each voiced quotation its speaker."""

    def __init__(self, people: People, decide: Callable[[QM.Context], bool] = QM.keep):
        self.people = people
        self.decide = decide
        self.block_index = 0
        self.sentence = 0
        self.offset = 0
        self.last_speaker: str | None = None
        self.prev_narration = ""
        self.prev_had_voiced = False
        self.open_speaker: str | None = None  # a voiced quote left open at paragraph end

    def _context(self, t: str, spans: list[Span], k: int, spk: str | None,
                 starts_para: bool) -> QM.Context:
        sp = spans[k]
        inner = t[sp.inner_start:sp.inner_end]
        prev_end = spans[k - 1].end if k else 0
        left = t[_sentence_start(t, sp.start, prev_end):sp.start]
        right = t[sp.end:]
        # '“A,” he said, “and B.”': the second half of a voiced split quotation starts the
        # speaker's sentence-in-progress, so its lower-case start is not a sign of a fragment
        split_half = bool(k) and spans[k - 1].voiced and left.strip().endswith(",") and _left_ok(left)
        return QM.Context(
            text=t, inner=inner, left=left, right=right, closed=sp.closed,
            starts_capital=_starts_capital(inner) or split_half, ends_sentence=_ends_sentence(inner),
            ends_comma=inner.rstrip().rstrip("’'\"”)").endswith(","),
            left_ok=_left_ok(left), attribution_follows=_attribution_follows(right),
            how=sp.how, speaker=spk, n_spans=len(spans), index=k, block=self.block_index,
            prev_voiced=self.prev_had_voiced,
            verb_in_left=any(w.lower() in R.SPEECH_VERBS for w in tokens(left)),
            starts_paragraph=starts_para, start=sp.start, end=sp.end,
        )

    def block(self, t: str, spans: list[Span]) -> None:
        people = self.people
        cont = self.open_speaker
        if cont is not None and spans and not t[:spans[0].start].strip():
            spans[0].voiced = True  # the quotation continues from the last paragraph
        else:
            cont = None
        voiced = [k for k, s in enumerate(spans) if s.voiced]
        found: dict[int, str | None] = {}
        for k in voiced:
            after, before = _regions(t, spans, k)
            inner = t[spans[k].inner_start:spans[k].inner_end]
            spk = attribute_after(after, _ends_sentence(inner)) if spans[k].closed else None
            found[k] = spk or attribute_before(before)
            spans[k].how = "after" if spk else "before"
        people.note(_narration(t, spans), self.sentence, self.offset)
        for k in voiced:
            sp = spans[k]
            spk = found[k]
            starts_para = not t[:sp.start].strip()
            if spk is None:
                sp.how = ""
                prior = [found[j] for j in voiced if j < k and found[j] is not None]
                later = [found[j] for j in voiced if j > k and found[j] is not None]
                tail = self.prev_narration.rstrip()
                if k == voiced[0] and cont is not None:
                    spk, sp.how = cont or None, "cont"
                elif prior or any(spans[j].voiced for j in voiced if j < k):
                    spk, sp.how = (prior[-1] if prior else self.last_speaker), "prior"
                elif starts_para and tail.endswith(":") and _colon_intro(
                        tail[_sentence_start(tail, len(tail), 0):]):
                    spk = attribute_before(tail[_sentence_start(tail, len(tail), 0):])
                    spk, sp.how = spk or self.last_speaker, "colon"
                elif later:
                    spk, sp.how = later[0], "later"
                elif starts_para and sp.closed:
                    sp.how = "open"
                    # a quotation opening its paragraph with no attribution: the speaker of
                    # the previous quotation, else the person the story is about
                    spk = (self.last_speaker if self.prev_had_voiced else None) or people.salient(
                        self.offset + sp.start) or self.last_speaker
                else:
                    # quoted words mid-paragraph with nobody saying them: titles, slogans,
                    # excerpts; these stay with the narrator (train: 2 in 3 are not speech)
                    sp.voiced = False
                    continue
            if spk is not None and spk.lower() in R.ALL_PRONOUNS:
                if spk.lower() in {"he", "she", "they"}:
                    spk = people.salient(self.offset + sp.start) or spk
            if spk is not None:
                spk = people.canonical(spk)
            sp.context = self._context(t, spans, k, spk, starts_para)
            if not self.decide(sp.context):
                sp.voiced = False  # a partial or scare quote: the narrator reads it
                continue
            if spk is not None:
                people.mention(self.sentence + len(sentence_starts(t[:sp.end] + " X")) - 1,
                               self.offset + sp.end, spk)
                self.last_speaker = spk
            sp.speaker = spk
        last = spans[-1] if spans else None
        self.open_speaker = (last.speaker or "") if last is not None and last.voiced and not last.closed else None
        self.sentence += len(sentence_starts(t))
        self.offset += len(t) + 2
        self.prev_narration = _narration(t, spans)
        self.prev_had_voiced = any(s.voiced for s in spans)
        self.block_index += 1


def segment(article: Article, decide: Callable[[QM.Context], bool] | None = None
            ) -> tuple[Segment, ...]:
    """Narrator and quote segments in reading order, quotes attributed to a resolved speaker.

    `decide` keeps or drops each candidate quotation (default: the packaged voicing model);
    bench/train_quotes.py passes one that records the candidates instead.
    """
    decide = decide or QM.keep
    people = People()
    blocks = [b.text for b in article.body]
    for t in [article.title, article.standfirst or "", *blocks]:
        people.learn(t)
    attributor = _Attributor(people, decide)
    plans: list[list[Span]] = []
    for t in blocks:
        spans = _plan_block(t)
        attributor.block(t, spans)
        plans.append(spans)

    # Headline, standfirst and byline come before block 0, each a block of its own so the
    # episode pauses between them as between paragraphs: read straight on, "...for Ukraine"
    # ran into "A deadly crackdown" (heard as "they deadly" in 2 takes of 6).
    head: list[Segment] = []
    title = (article.title or "").strip()
    if title and WORD.search(title):
        # A headline may quote someone ('Trump: “I will win”'); it is read like a paragraph.
        spans = _plan_block(title)
        _Attributor(people, decide).block(title, spans)
        head.extend(_paragraph_segments(title, spans, -3))
    standfirst = (article.standfirst or "").strip()
    if standfirst and WORD.search(standfirst):
        head.append(Segment("narrator", standfirst, spoken(standfirst), None, "", -2))
    if article.byline and WORD.search(article.byline):
        by = article.byline.strip()
        by = by if by.lower().startswith("by ") else f"By {by}"
        head.append(Segment("narrator", by, spoken(by), None, "", -1))
    body: list[Segment] = []
    for bi, (t, spans) in enumerate(zip(blocks, plans)):
        body.extend(_paragraph_segments(t, spans, bi))
    return tuple(head + body)
