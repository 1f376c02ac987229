"""Spoken text: rewrite written news text the way a newsreader says it.

`text` stays as written in the script; `spoken(text)` is what the speech engine is given.
The rules are an ordered table (RULES below): each is a pattern, a function that says the
match, and a line on why it is there. Order matters: URLs before dots, currencies before
bare numbers, dates and times before numbers, numbers last.
"""

from __future__ import annotations

import re
from typing import Callable

from num2words import num2words

# --- Words that stand for other words ----------------------------------------------------
# Titles and abbreviations read in full; engines otherwise say "M R" or "doctor" wrongly.
ABBREVIATIONS: dict[str, str] = {
    "Mr": "Mister", "Mrs": "Missus", "Ms": "Miz", "Dr": "Doctor", "Prof": "Professor",
    "Sen": "Senator", "Rep": "Representative", "Gov": "Governor", "Gen": "General",
    "Lt": "Lieutenant", "Col": "Colonel", "Sgt": "Sergeant", "Capt": "Captain",
    "Rev": "Reverend", "Jr": "Junior", "Sr": "Senior", "Hon": "Honourable",
    "Cllr": "Councillor",
    "Jan": "January", "Feb": "February", "Mar": "March", "Apr": "April", "Jun": "June",
    "Jul": "July", "Aug": "August", "Sep": "September", "Sept": "September", "Oct": "October",
    "Nov": "November", "Dec": "December",
    "vs": "versus", "etc": "et cetera", "approx": "approximately", "govt": "government",
}
# Multi-letter abbreviations with their own dots.
DOTTED: dict[str, str] = {
    "e.g.": "for example", "i.e.": "that is", "a.m.": "a m", "p.m.": "p m",
    "U.S.": "U S", "U.K.": "U K", "U.N.": "U N", "E.U.": "E U", "D.C.": "D C",
}
# Acronyms said as words, not letters (NATO is "Nato", not "N A T O").
WORD_ACRONYMS = frozenset(
    "NATO NASA UNESCO UNICEF OPEC ISIS ISIL AIDS COVID FIFA UEFA SWAT OFSTED OFCOM NAFTA "
    "ASEAN SARS MERS DACA JASTA POTUS SCOTUS FEMA NIMBY LASER RADAR SCUBA".split()
)
# All-caps words that are ordinary words shouted, never spelt out.
NOT_ACRONYMS = frozenset("I A OK ME WE NO OR AND THE TO OF IN IS IT ON AT BE".split())
UNITS: dict[str, str] = {
    "km": "kilometres", "kph": "kilometres an hour", "mph": "miles per hour",
    "kg": "kilograms", "g": "grams", "mg": "milligrams", "lb": "pounds", "lbs": "pounds",
    "cm": "centimetres", "mm": "millimetres", "ft": "feet", "sq": "square",
    "MW": "megawatts", "GW": "gigawatts", "kW": "kilowatts", "kWh": "kilowatt hours",
    "°C": "degrees Celsius", "°F": "degrees Fahrenheit", "ha": "hectares",
}
CURRENCIES: dict[str, tuple[str, str]] = {  # symbol -> (singular, plural)
    "£": ("pound", "pounds"), "$": ("dollar", "dollars"), "€": ("euro", "euros"),
    "¥": ("yen", "yen"), "₹": ("rupee", "rupees"),
}
SCALES: dict[str, str] = {
    "k": "thousand", "m": "million", "mn": "million", "bn": "billion", "b": "billion",
    "tn": "trillion", "thousand": "thousand", "million": "million", "billion": "billion",
    "trillion": "trillion",
}
# Names in the news that the engines' English letter-to-sound rules say wrongly, respelt so
# any English engine says them as newsreaders do (BBC Pronunciation Unit style). Piper's
# espeak rules read "Putin" as "Pew-tin" and "Almaty" as "OL-muh-dee"; in the sample
# episode the recogniser heard "pewton"/"feuding" and "almighty" where a listener should
# hear Putin and Almaty. Add a name only when the engine's phonemes for it are wrong
# (check with PiperVoice.phonemize) and the respelling's are right.
PRONUNCIATIONS: dict[str, str] = {
    "Putin": "Pootin",            # /ˈpuːtɪn/, espeak: /pjˈuːtɪn/
    "Almaty": "Al-mah-tee",       # /ælˈmɑːti/, espeak: /ˈɔlməɾi/
    "Kyiv": "Kee-yiv",            # /ˈkiːjɪv/, espeak: /kjˈɪv/
    "Xi": "Shee",                 # Xi Jinping, /ʃiː/, espeak: /zˈaɪ/
    "Zelenskyy": "Zelensky",      # stress on -LEN-, espeak: /zˈɛlənskɪʲi/
    "Scholz": "Sholts",           # /ʃɔlts/, espeak: /skˈɑːlz/
    "Sunak": "Soonak",            # /ˈsuːnæk/, espeak: /sˈʌnæk/
}
# Company suffixes, read as a newsreader says them: "Acme Ltd" is "Acme Limited", and
# "plc" is spelt out (engines otherwise say "plick").
COMPANY_SUFFIXES: dict[str, str] = {"Ltd": "Limited", "plc": "P L C", "PLC": "P L C", "Inc": "Incorporated",
                                    "LLC": "L L C", "Co": "Company"}
# Words after which "9-2" is a vote ("nine to two") and after which it is a score ("three
# one", with "nil" for 0, as British sports bulletins say it).
VOTE_WORDS = "voted|vote|votes|voting|majority of|margin of|ruled|ruling"
SCORE_WORDS = "won|win|wins|winning|lost|lose|loses|losing|drew|draw|draws|beat|beats|beaten|defeated|thrashed|trailed|led|leads"
SCORE_NOUNS = "win|victory|defeat|loss|draw|thrashing|lead|scoreline"
MONTHS = ("January February March April May June July August September October November "
          "December").split()


def _num(n: str, lang: str = "en") -> str:
    """Cardinal number, decimals read 'point five'."""
    n = n.replace(",", "")
    try:
        value = float(n) if "." in n else int(n)
        return num2words(value, lang=lang)
    except (NotImplementedError, ValueError, OverflowError, TypeError):
        try:
            return num2words(float(n) if "." in n else int(n), lang="en")
        except Exception:
            return n


def _ordinal(n: int) -> str:
    return num2words(n, to="ordinal")


def _year(y: int) -> str:
    """1991 -> 'nineteen ninety-one'; 2005 -> 'two thousand and five'."""
    if 2000 <= y <= 2009:
        return num2words(y)
    return num2words(y, to="year")


def _money(m: re.Match) -> str:
    sym, amount, scale = m.group("sym"), m.group("amount"), (m.group("scale") or "")
    one, many = CURRENCIES[sym]
    scale_word = SCALES.get(scale.lower(), "")
    if scale_word:
        return f"{_num(amount)} {scale_word} {many}"
    if "." in amount:
        whole, cents = amount.replace(",", "").split(".", 1)
        if len(cents) == 2 and sym in "£$€":
            return _pounds_and_pence(whole, cents, one, many, {"£": "pence", "$": "cents", "€": "cents"}[sym])
        return f"{_num(amount)} {many}"
    return f"{_num(amount)} {one if amount == '1' else many}"


def _pounds_and_pence(whole: str, cents: str, one: str, many: str, minor: str) -> str:
    """'£4.50' -> 'four pounds fifty', '$3.05' -> 'three dollars five', '£0.50' -> 'fifty pence':
    a newsreader names the minor unit only when there are no pounds to say."""
    if int(whole) == 0:
        return f"{_num(str(int(cents)))} {minor}"
    unit = one if int(whole) == 1 else many
    if int(cents) == 0:
        return f"{_num(whole)} {unit}"
    return f"{_num(whole)} {unit} {_num(str(int(cents)))}"


WORD_CURRENCIES: dict[str, tuple[str, str, str]] = {  # written after the amount: "4.50 pounds"
    "pounds": ("pound", "pounds", "pence"), "dollars": ("dollar", "dollars", "cents"),
    "euros": ("euro", "euros", "cents"),
}


def _money_words(m: re.Match) -> str:
    one, many, minor = WORD_CURRENCIES[m.group("unit").lower()]
    whole, cents = m.group("amount").replace(",", "").split(".")
    return _pounds_and_pence(whole, cents, one, many, minor)


def _magnitude(m: re.Match) -> str:
    """'1.5m' -> 'one point five million', '3.2k' -> 'three point two thousand'."""
    return f"{_num(m.group(1))} {SCALES[m.group(2).lower()]}"


def _vote(m: re.Match) -> str:
    return f"{m.group(1)} {_num(m.group(2))} to {_num(m.group(3))}"


def _goals(n: str) -> str:
    return "nil" if int(n) == 0 else _num(n)


def _score(m: re.Match) -> str:
    return f"{m.group(1)} {_goals(m.group(2))} {_goals(m.group(3))}"


def _score_noun(m: re.Match) -> str:
    return f"{_goals(m.group(1))} {_goals(m.group(2))} {m.group(3)}"


def _range(m: re.Match) -> str:
    """'2019-20' -> 'twenty nineteen to twenty'; '10-15' -> 'ten to fifteen'."""
    a, b = m.group(1), m.group(2)
    if re.fullmatch(r"1[1-9]\d\d|20\d\d", a):
        first = _year(int(a))
        if len(b) == 2:  # the season or financial year "2019-20"
            return f"{first} to {_num(b) if b[0] != '0' else 'oh ' + _num(b[1])}"
        if re.fullmatch(r"1[1-9]\d\d|20\d\d", b):
            return f"{first} to {_year(int(b))}"
    return f"{_num(a)} to {_num(b)}"


def _company(m: re.Match) -> str:
    word = COMPANY_SUFFIXES[m.group(1)]
    # "Apple Inc." ends the sentence too: keep its full stop when nothing lower-case follows.
    if m.group(2) and not re.match(r"\s*[a-z,;]", m.string[m.end():]):
        return word + "."
    return word


def _percent(m: re.Match) -> str:
    return f"{_num(m.group(1))} per cent"


# Dates are read as a British newsreader reads them: "5 January" is "the fifth of January"
# (issue 24: "fifth January" is how no one says it, whatever a recogniser writes back), and
# the American "January 5" is "January fifth".
def _iso_date(m: re.Match) -> str:
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return m.group(0)
    return f"the {_ordinal(d)} of {MONTHS[mo - 1]} {_year(y)}"


def _day_month(m: re.Match) -> str:
    return f"the {_ordinal(int(m.group(2)))} of {m.group(3)}"


def _month_day(m: re.Match) -> str:
    return f"{m.group(1)} {_ordinal(int(m.group(2)))}"


def _time(m: re.Match) -> str:
    h, mins, half = int(m.group(1)), m.group(2), (m.group(3) or "")
    words = _num(str(h))
    if mins and mins != "00":
        words += " " + ("oh " + _num(mins[1]) if mins.startswith("0") else _num(mins))
    elif mins == "00" and not half:
        words += " hundred"
    if half:
        words += " " + " ".join(half.lower().replace(".", ""))
    return words


def _decade(m: re.Match) -> str:
    """'1990s' -> 'nineteen nineties', '’80s' -> 'eighties', '2000s' -> 'two thousands'."""
    century, decade = m.group(1), m.group(2)
    word = {"0": "hundreds", "1": "tens", "2": "twenties", "3": "thirties", "4": "forties",
            "5": "fifties", "6": "sixties", "7": "seventies", "8": "eighties", "9": "nineties"}[decade]
    if not century:
        return word
    if century == "20" and decade == "0":
        return "two thousands"
    return f"{_num(century)} {word}"


def _ordinal_match(m: re.Match) -> str:
    return _ordinal(int(m.group(1).replace(",", "")))


def _number(m: re.Match) -> str:
    raw = m.group(0)
    plain = raw.replace(",", "")
    if re.fullmatch(r"1[1-9]\d\d|20\d\d", plain) and "," not in raw:
        return _year(int(plain))
    return _num(raw)


def _acronym(m: re.Match) -> str:
    word = m.group(0)
    if word in NOT_ACRONYMS:
        return word
    if word in WORD_ACRONYMS:
        return word.capitalize()
    return " ".join(word)


def _url(m: re.Match) -> str:
    host = re.sub(r"^(https?://)?(www\.)?", "", m.group(0), flags=re.I).split("/")[0]
    return host.replace(".", " dot ")


def _email(m: re.Match) -> str:
    user, host = m.group(0).split("@", 1)
    return f"{user} at {host.replace('.', ' dot ')}"


def _unit(m: re.Match) -> str:
    return f"{m.group(1)} {UNITS[m.group(2)]}"


def _pronunciation(m: re.Match) -> str:
    word = m.group(0)
    # Capitals are kept as the respelling's own case: "AL-MAH-TEE" would be spelt out.
    return PRONUNCIATIONS.get(word) or PRONUNCIATIONS[word.capitalize()]


# Names as written, and in capitals (a dateline's "ALMATY") when long enough not to be a
# Roman numeral or an acronym ("XI" stays eleven).
_NAMES = "|".join(sorted(
    [re.escape(n) for n in PRONUNCIATIONS] + [re.escape(n.upper()) for n in PRONUNCIATIONS if len(n) > 3],
    key=len, reverse=True))
_ABBR = "|".join(sorted(map(re.escape, ABBREVIATIONS), key=len, reverse=True))
_DOTTED = "|".join(sorted(map(re.escape, DOTTED), key=len, reverse=True))
_UNITS = "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True))
_SYM = "|".join(map(re.escape, CURRENCIES))
_SCALE = "|".join(sorted(SCALES, key=len, reverse=True))
_MONTH = "|".join(MONTHS)
NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"

Rule = tuple[str, re.Pattern, Callable[[re.Match], str]]
RULES: list[Rule] = [
    # Addresses are unreadable in full; a listener needs the site, not the path.
    ("email", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), _email),
    ("url", re.compile(r"\b(?:https?://|www\.)\S+?(?=[\s)\]]|[.,;:!?](?:\s|$)|$)", re.I), _url),
    # Editorial insertions: "He [Putin] needed" is read "He Putin needed", never "bracket".
    ("brackets", re.compile(r"[\[\]{}]"), lambda m: ""),
    ("parentheses", re.compile(r"\s*[()]\s*"), lambda m: ", "),
    # Money before plain numbers so "$3.5m" is not read "three point five m".
    ("currency", re.compile(rf"(?P<sym>{_SYM})\s?(?P<amount>{NUM})(?:\s?(?P<scale>{_SCALE})\b)?"), _money),
    ("percent", re.compile(rf"({NUM})\s?(?:%|per ?cent\b)"), _percent),
    # "4.50 pounds" is "four pounds fifty", as "£4.50" is: not "four point five pounds".
    ("money-words", re.compile(r"(?<![\w.])(?P<amount>\d{1,3}(?:,\d{3})*\.\d{2})\s+(?P<unit>pounds|dollars|euros)\b",
                               re.I), _money_words),
    # Decimals with a magnitude: "1.5m visitors" was "one.5m visitors".
    ("magnitude", re.compile(rf"(?<![\w.])({NUM})(k|m|mn|bn|tn)\b"), _magnitude),
    ("iso-date", re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"), _iso_date),
    ("day-month", re.compile(rf"\b(the\s+)?(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+({_MONTH})\b"), _day_month),
    ("month-day", re.compile(rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\d)(?![:.]\d)"), _month_day),
    ("time", re.compile(r"\b(\d{1,2})(?:[:.](\d{2}))?\s?([ap]\.?m\.?)(?=\W|$)|\b(?<![\d.])(\d{1,2}):(\d{2})\b", re.I),
     lambda m: _time(m) if m.group(1) else _time(re.match(r"(\d+):(\d+)()", m.group(0)))),
    ("decade", re.compile(r"(?:\b(\d{2})|['’])(\d)0s\b"), _decade),
    ("ordinal", re.compile(r"\b(\d{1,3}(?:,\d{3})*)(?:st|nd|rd|th)\b"), _ordinal_match),
    # "No 10" (Downing Street) and "No. 5" are "Number ten", "number five".
    ("number-sign", re.compile(r"\b(N|n)o\.?\s?(?=\d)"), lambda m: "Number " if m.group(1) == "N" and "." not in m.group(0) else "number "),
    # Votes and scores before ranges: "voted 9-2" is "nine to two", "won 3-1" is "three one".
    ("vote", re.compile(rf"\b((?:{VOTE_WORDS})(?:\s+\w+){{0,2}}?)\s+(\d{{1,3}})[-–](\d{{1,3}})\b(?![-–.]\d)"), _vote),
    ("score", re.compile(rf"\b((?:{SCORE_WORDS})(?:\s+[A-Z]\w*){{0,3}})\s+(\d{{1,2}})[-–](\d{{1,2}})\b(?![-–.]\d)"), _score),
    ("score-noun", re.compile(rf"(?<![\w.-])(\d{{1,2}})[-–](\d{{1,2}})\s+({SCORE_NOUNS})\b"), _score_noun),
    # Ranges: "10-15 people" is "ten to fifteen", the season "2019-20" "twenty nineteen to twenty".
    ("range", re.compile(r"(?<![\w.,:/-])(\d{1,4})[-–](\d{1,4})(?![\w.,:/-]?\d)(?!-)"), _range),
    ("units", re.compile(rf"(\d)\s?({_UNITS})(?=\W|$)"), _unit),
    ("dotted", re.compile(rf"(?<!\w)(?:{_DOTTED})(?=\W|$)"), lambda m: DOTTED[m.group(0)]),
    ("abbreviation", re.compile(rf"\b({_ABBR})\.(?=\s)"), lambda m: ABBREVIATIONS[m.group(1)]),
    # British style drops the full stop: "Dr Jones", "Mr Putin", "Cllr Smith".
    ("title", re.compile(r"\b(Mr|Mrs|Ms|Dr|Prof|Cllr)\b(?=\s+[A-Z])"), lambda m: ABBREVIATIONS[m.group(1)]),
    # After a capitalised name only, so "co" and "inc" in ordinary words are left alone.
    ("company", re.compile(r"(?<=[A-Za-z&] )(Ltd|plc|PLC|Inc|LLC)\b(\.)?"), _company),
    ("saint", re.compile(r"\bSt\.?(?=\s+[A-Z])"), lambda m: "Saint"),
    ("ampersand", re.compile(r"\s&\s"), lambda m: " and "),
    ("number", re.compile(rf"(?<![\w.]){NUM}(?![\w])"), _number),
    ("pronunciation", re.compile(rf"(?<!\w)(?:{_NAMES})(?!\w)"), _pronunciation),
    ("acronym", re.compile(r"\b[A-Z]{2,5}\b"), _acronym),
    # Dashes and ellipses are pauses: engines pause on commas, not on dash characters.
    ("dash", re.compile(r"\s+[–—―-]{1,2}\s+|\s*[—―]\s*"), lambda m: ", "),
    ("ellipsis", re.compile(r"\s*(?:…|\.{3,})\s*"), lambda m: ", "),
]


def spoken(text: str, language: str = "en") -> str:
    """The text as a newsreader says it: numbers, dates, money and abbreviations in words."""
    out = text
    for _name, pattern, say in RULES:
        out = pattern.sub(say, out)
    out = re.sub(r"\s+,", ",", out)
    out = re.sub(r",(\s*,)+", ",", out)
    out = re.sub(r"^\s*,\s*|\s*,\s*$", "", out)
    # "... (part two)." and "... — ." end with a comma before the stop: espeak then ends no
    # sentence there, and runs on into the next one.
    out = re.sub(r",\s*(?=[.!?;:])", "", out)
    return " ".join(out.split())
