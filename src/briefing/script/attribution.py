"""Who said it: find the source of a direct quotation in the narrator's words around it.

Works on plain strings (one paragraph's narration next to a quote); the rules it applies
(speech verbs, pronouns, titles, words that are not names) live in quote_rules.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from briefing.script import quote_rules as R

TOKEN = re.compile(r"[A-Za-z0-9][\w'’.\-]*[\w]|[A-Za-z0-9]|[,:;.!?()—–]")
# a new sentence may open with a quote mark and a bracket: '… test. “[Ted] knows …'
SENTENCE_END = re.compile(r"[.!?][\"”’)]*\s+(?=[\"“‘(\[]{0,2}[A-Z0-9])")
DETERMINERS = frozenset(
    "the a an one another two three several some his her their its our this that "
    "many other both each".split()
)
# Adverbs and conjunctions that sit between subject and verb or open a clause.
FILLERS = frozenset("also later then again once but and so yet however further simply "
                    "had has have has since earlier recently previously".split())


def _clean_word(w: str) -> str:
    return re.sub(r"['’]s$", "", w.strip(".,;:"))


def _is_cap(w: str) -> bool:
    return bool(w) and (w[0].isupper() or (w[0].isdigit() and False))


def sentence_starts(text: str) -> list[int]:
    """Offsets where sentences begin (abbreviations such as 'Mr.' and 'U.S.' do not end one)."""
    starts = [0]
    for m in SENTENCE_END.finditer(text):
        before = text[: m.start() + 1]
        last = re.search(r"([\w.]+)\.$", before)
        if last:
            w = last.group(1).lower()
            if w in R.ABBREVIATIONS or re.fullmatch(r"[a-z]", w):
                continue
        starts.append(m.end())
    return starts


def name_runs(text: str) -> list[tuple[int, int, str]]:
    """Capitalised word runs that may name a person: (start, end, name without titles).

    A run is cut at words that are never names (days, months, 'The'); within a piece, words
    up to the last title or organisation word are dropped ('Senate Majority Leader Mitch
    McConnell' -> 'Mitch McConnell'); a piece that ends in one ('Fox News') is no person.
    """
    out = []
    for m in re.finditer(
        r"(?:(?:[A-Z][\w'’\-]*\.?|[A-Z]\.)(?:\s+(?:de|van|von|der|bin|al|da|la|le|di|del)\b)?[ \t]*)+",
        text,
    ):
        pieces: list[list[tuple[int, str]]] = [[]]
        for w in re.finditer(r"\S+", m.group(0)):
            word = w.group(0)
            low = word.lower().strip(".,")
            low = re.sub(r"['’]s?$", "", low)  # "Trump's", and the plural "Fox News’ Sean Hannity"
            if low in R.NOT_NAMES and low not in R.TITLES:
                pieces.append([])
            else:
                pieces[-1].append((m.start() + w.start(), word))
        for piece in pieces:
            cut = 0
            for k, (_, word) in enumerate(piece):
                low = re.sub(r"['’]s?$", "", word.lower().strip(".,"))
                if low in R.TITLES or low in R.ORG_WORDS:
                    cut = k + 1
            piece = piece[cut:]
            if not piece:
                continue
            name = " ".join(_clean_word(w) for _, w in piece).strip()
            if name:
                end = piece[-1][0] + len(piece[-1][1])
                out.append((piece[0][0], end, name))
    return out


@dataclass
class People:
    """People named in one article, for joining surnames to full names and resolving pronouns."""

    full: dict[str, str] = field(default_factory=dict)  # last word -> full name
    mentions: list[tuple[int, int, str]] = field(default_factory=list)  # (sentence, pos, name)

    def learn(self, text: str) -> None:
        """Remember multi-word names so later surnames resolve to them."""
        for _, _, name in name_runs(text):
            words = name.split()
            if 2 <= len(words) <= 4 and all(w[0].isupper() for w in words):
                self.full.setdefault(words[-1].lower(), name)

    def canonical(self, speaker: str) -> str:
        """'Meldekhan' -> 'Aidos Meldekhan' when the article named him in full."""
        words = speaker.split()
        stripped = [w for w in words if w.lower().strip(".") not in R.TITLES] or words
        if len(stripped) == 1 and stripped[0][:1].isupper():
            return self.full.get(_clean_word(stripped[0]).lower(), _clean_word(stripped[0]))
        if len(stripped) >= 2 and all(w[:1].isupper() for w in stripped):
            return " ".join(_clean_word(w) for w in stripped)
        return speaker

    def is_person(self, name: str) -> bool:
        words = name.split()
        if len(words) >= 2:
            return True
        return words[0].lower() in self.full if words else False

    def mention(self, sentence: int, pos: int, name: str) -> None:
        self.mentions.append((sentence, pos, name))

    def note(self, text: str, sentence0: int, offset: int) -> None:
        """Record person mentions in narrator text (sentence numbers continue from sentence0)."""
        starts = sentence_starts(text)
        for s, e, name in name_runs(text):
            if self.is_person(name):
                sent = sentence0 + sum(1 for st in starts if st <= s) - 1
                self.mentions.append((sent, offset + s, self.canonical(name)))

    def salient(self, before: int) -> str | None:
        """The person most likely meant by 'he'/'she': first named in the latest sentence."""
        cands = [m for m in self.mentions if m[1] < before]
        if not cands:
            return None
        last_sent = max(c[0] for c in cands)
        return min((c for c in cands if c[0] == last_sent), key=lambda c: c[1])[2]


INTRO_WORDS = frozenset("in during at on after as when while before since asked pressed "
                        "speaking writing for with by from".split())


def _np(head: str) -> str | None:
    """Speaker named by a stretch of words: a name, a pronoun or a description."""
    hw = head.split()
    if not hw:
        return None
    if len(hw) > 8:
        hw = hw[-8:]
        head = " ".join(hw)
    if hw[-1].lower() in R.ALL_PRONOUNS:
        return hw[-1]
    if hw[0].lower() in DETERMINERS:
        # "the Kazakh analyst", "another source speaking to Fox News": the description
        return head
    if hw[-1][:1].islower() and len(hw) <= 6:
        # "Obama's former campaign strategist": a description that opens with a name
        return head
    runs = name_runs(head)
    if runs and runs[-1][1] >= len(head.rstrip()) - 2:
        return runs[-1][2]
    if runs:
        return runs[-1][2]
    return head if len(hw) <= 4 else None


def _opens_clause(prefix: str) -> bool:
    """Only titles and capitalised words come before the name: 'Former Secretary of State
    Madeleine Albright', 'Rep. Hakeem Jeffries' - the name is the clause's subject."""
    return all(w[:1].isupper() or w.lower() in {"of", "the", "and"} for w in prefix.split())


def _subject_from_words(words: list[str], participle: bool = False) -> str | None:
    """Pick the speaker out of the words before a speech verb."""
    words = [w for w in words if w not in {"—", "–", "(", ")"}]
    comma_before_verb = bool(words) and words[-1] == ","
    while words and words[-1].lower() in FILLERS | {","}:
        words = words[:-1]
    while words and (words[0].lower() in {"but", "and", "so", "yet", "or", ","}):
        words = words[1:]
    if not words:
        return None
    text = " ".join(words).replace(" ,", ",")
    parts = [p.strip() for p in text.split(",") if p.strip()]
    # drop introductory phrases: "In one tweet Friday, Trump said"
    main = [p for p in parts if p.split()[0].lower() not in INTRO_WORDS] or parts[-1:]
    if participle and not comma_before_verb:
        # "footage of Hillary Clinton asking": the name right before the participle
        runs = name_runs(text)
        if runs and runs[-1][1] >= len(text.rstrip()) - 1:
            return runs[-1][2]
    if participle:
        # "Trump attacked Clinton ..., saying": the subject of the main clause
        first = main[0].split()
        if first[0].lower() in R.ALL_PRONOUNS:
            return first[0]
        runs = name_runs(main[0])
        if runs and _opens_clause(main[0][:runs[0][0]]):
            return runs[0][2]
        if first[0].lower() in DETERMINERS:
            return " ".join(first[:4])
        return None
    last = main[-1]
    if len(main) > 1 and last.split()[0].lower() in DETERMINERS | {"who", "whose"}:
        # "Michael Briggs, a spokesman for Sanders, said": the name before the apposition
        for p in reversed(main[:-1]):
            runs = name_runs(p)
            if runs and runs[-1][1] >= len(p) - 1:
                return runs[-1][2]
    if len(main) > 1 and re.fullmatch(r"[A-Z]-[A-Z][\w.]*|\d+|[A-Z][a-z]?\.?", last):
        # "Mitch McConnell, R-Ky., said" / "Gonzalez, 55, said"
        runs = name_runs(main[-2])
        if runs:
            return runs[-1][2]
    return _np(last)


def _subject_after_verb(words: list[str]) -> str | None:
    """Speaker after an inverted verb: 'said one European diplomat based in Nur-Sultan, ...'."""
    out = []
    for w in words:
        if w in {",", ".", ";", ":", "!", "?", "(", "—", "–"} or w.lower() in {"who", "which", "and"}:
            break
        out.append(w)
    if not out or out[0].lower() in R.NOT_SUBJECT_AFTER_VERB:
        return None
    if len(out) > 8:
        out = out[:8]
    first = out[0]
    if first.lower() in R.ALL_PRONOUNS:
        return first
    if first[:1].isupper():
        runs = name_runs(" ".join(out))
        if runs and runs[0][0] == 0:
            return runs[0][2]
        if first.lower().strip(".") in R.TITLES:
            return " ".join(out)
        return _clean_word(first) if first.lower() not in R.NOT_NAMES else None
    if first.lower() in DETERMINERS:
        return " ".join(out)
    runs = name_runs(" ".join(out))
    if runs:
        return runs[-1][2]  # "said 9/11 widow Terry Strada"
    return None


def tokens(text: str) -> list[str]:
    """Words and punctuation; the full stop of 'Mr.' or an initial stays with its word."""
    out: list[str] = []
    raw = TOKEN.findall(text)
    for i, t in enumerate(raw):
        nxt = raw[i + 1] if i + 1 < len(raw) else ""
        if t == "." and out and (
            out[-1].lower() in R.ABBREVIATIONS or re.fullmatch(r"[A-Z]", out[-1])
            or (re.fullmatch(r"[A-Z][\w\-]*", out[-1]) and (nxt == "," or nxt[:1].islower()))
        ):
            out[-1] += "."  # "Mr.", "J.", "R-Ky.,": not the end of a sentence
        elif out and (out[-1].lower(), t.lower()) in R.PHRASAL_SPEECH_VERBS:
            out[-1] += " " + t
        else:
            out.append(t)
    return out


PARENS = re.compile(r"\([^()]*\)")


def attribute_after(region: str, sentence_final: bool) -> str | None:
    """Source named after a quote: '“…,” Meldekhan said' or '“…,” said one diplomat'."""
    region = PARENS.sub(" ", region)
    dash = re.match(r"\s*[―—–-]+\s*(.+)", region)
    if dash:
        runs = name_runs(dash.group(1))
        if runs and runs[0][0] == 0:
            return runs[0][2]  # '“…” ― Francisco Herrero': a signed comment
    toks = tokens(region)
    limit = 6 if sentence_final else 12
    for i, t in enumerate(toks[: limit + 1]):
        low = t.lower()
        if low in {".", "!", "?", ";"} and i > 0:
            return None
        if low == "according" and i + 1 < len(toks) and toks[i + 1].lower() == "to":
            return _subject_after_verb(toks[i + 2:])
        if low in R.SPEECH_VERBS:
            pre = toks[:i]
            subj = _subject_from_words(pre) if pre and any(w not in {","} for w in pre) else None
            head_len = pre.index(",") if "," in pre else len(pre)
            if subj is not None and head_len > 8:
                subj = None  # too far from the quote to be its attribution
            if subj is None:
                subj = _subject_after_verb(toks[i + 1:])
            if subj is not None:
                return subj
    return None


def attribute_before(region: str) -> str | None:
    """Source named before a quote: 'Hannity added, “…”' or 'Carl Bialik: “…”'."""
    body = PARENS.sub(" ", region).rstrip()
    if not body:
        return None
    toks = tokens(body)
    if not toks:
        return None
    for i in range(len(toks) - 1, -1, -1):
        low = toks[i].lower()
        if low == "according" and i + 1 < len(toks) and toks[i + 1].lower() == "to":
            return _subject_after_verb(toks[i + 2:])
        if low in R.SPEECH_VERBS:
            post = [w for w in toks[i + 1:] if w not in {",", ":"}]
            pre = toks[:i]
            # "X told reporters:" – the object after the verb is the audience, not the speaker.
            # "Trump joked ..., but went on to say,": an infinitive, like a participle, takes
            # the subject of the main clause
            participle = low.endswith("ing") or (i > 0 and toks[i - 1].lower() == "to")
            if pre and _subject_from_words(pre, participle):
                return _subject_from_words(pre, participle)
            if post:
                return _subject_after_verb(post)
            if pre and not participle:
                # "Trump called on her to resign and said,": the verb shares the subject of
                # the clause it is coordinated with
                return _subject_from_words(pre, True)
            return None
    if body.endswith(":"):
        runs = name_runs(body)
        if runs:
            return runs[-1][2]
    return None
