"""The show's pronunciation lexicon: names the engines say wrong, and how to say them.

`[pronounce]` in briefing.toml, and an optional `pronunciations.toml` beside it for long lists
(briefing.toml wins where both name a word), map a word or phrase to a respelling
("Nguyen" = "win"), to IPA between slashes ("Starmer" = "/ˈstɑːmə/"), or to both
("Starmer" = { ipa = "/ˈstɑːmə/", respell = "STAR-muh" }) for casts that mix engines.

Matching is whole-word. An entry written with a capital is a name and matches only as
written or in capitals (a dateline's "STARMER"), so "Bath" the city leaves "a bath" alone; an
entry in lower case matches in any case. Only the spoken text changes: a segment's `text`,
and so the transcript, stays as written, and its `spoken` (in the script JSON) shows what was
said. IPA goes to engines that take phonemes (Piper, as `[[ phonemes ]]`); any other engine
gets the respelling, or the word as written and a warning when there is none.
"""

from __future__ import annotations

import logging
import re
import tomllib
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

from briefing.errors import ConfigError

if TYPE_CHECKING:
    from briefing.models import Segment

log = logging.getLogger("briefing")

FILE_NAME = "pronunciations.toml"

# The phonemes Piper's espeak-ng voices have ids for: the letters and marks of the
# phoneme_id_map shared by every espeak-based Piper voice (the bundled joe voice's
# .onnx.json), without its punctuation and digits, which would be read as pauses or not at
# all. A symbol outside it would be dropped silently by Piper, so it is an error here.
IPA_SYMBOLS = frozenset(
    "abcdefhijklmnopqrstuvwxyzæçðøħŋœǀǁǂǃɐɑɒɓɔɕɖɗɘəɚɛɜɞɟɠɡɢɣɤɥɦɧɨɪɫɬɭɮɯɰɱɲɳɴɵɶɸɹɺɻɽɾʀʁʂʃʄʈʉʊʋʌʍʎʏʐ"
    "ʑʒʔʕʘʙʛʜʝʟʡʢʰʲˈˌːˑ˞ˤ\u0327\u0329\u032a\u032f\u0303βεθχᵻ↓ⱱ "
)
# Common IPA spellings espeak writes otherwise, named in the error so the fix is one edit.
IPA_HINTS = {"ʧ": "tʃ", "ʤ": "dʒ", "ʦ": "ts", "\u0361": "the two letters without the tie",
             "'": "ˈ (U+02C8)", ":": "ː (U+02D0)", "ɝ": "ɜː", "ʼ": "ˈ (U+02C8)"}


@dataclass(frozen=True)
class Entry:
    """One word or phrase and how to say it."""

    word: str
    respell: str | None = None
    ipa: str | None = None  # without the slashes


@dataclass(frozen=True)
class Lexicon:
    entries: tuple[Entry, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.entries)

    def pattern(self) -> re.Pattern | None:
        """One regex of every entry, longest first; group `eN` is entry N (built once)."""
        if "_pattern" not in self.__dict__:
            object.__setattr__(self, "_pattern", self._compile())
        return self.__dict__["_pattern"]

    def _compile(self) -> re.Pattern | None:
        if not self.entries:
            return None
        order = sorted(range(len(self.entries)), key=lambda i: -len(self.entries[i].word))
        parts = []
        for i in order:
            word = self.entries[i].word
            body = r"\s+".join(map(re.escape, word.split()))
            if word != word.lower():  # a name: as written, or all in capitals when long enough
                forms = [body] + ([r"\s+".join(map(re.escape, word.upper().split()))] if len(word) > 3 else [])
                alt = "|".join(forms)
            else:
                alt = f"(?i:{body})"
            parts.append(f"(?P<e{i}>{alt})")
        return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")

    def matches(self, text: str) -> bool:
        pattern = self.pattern()
        return bool(pattern and pattern.search(text))

    def spoken(self, text: str, *, language: str = "en", phonemes=None, engine: str = "") -> str:
        """`text` as the engine is to be given it: the lexicon's words replaced, the rest
        normalised for speech (numbers, dates, abbreviations in words).

        `phonemes(ipa) -> str` is the engine's form for raw phonemes (None: it takes none)."""
        from briefing.script.normalize import spoken as normalized

        pattern = self.pattern()
        if pattern is None:
            return normalized(text, language)
        said: dict[str, str] = {}

        def hold(m: re.Match) -> str:
            index = int(next(k for k, v in m.groupdict().items() if v is not None)[1:])
            entry = self.entries[index]
            # A placeholder that normalisation reads as a plain word of the same case, so
            # "Mr Starmer" still becomes "Mister ..."; it is swapped for the pronunciation after.
            token = ("Zqxj" if m.group(0)[:1].isupper() else "zqxj") + _letters(len(said))
            said[token] = self._say(entry, m.group(0), phonemes, engine)
            return token

        held = pattern.sub(hold, text)
        out = normalized(held, language)
        return re.sub(r"\b[Zz]qxj[a-z]+\b", lambda m: said.get(m.group(0), m.group(0)), out)

    @staticmethod
    def _say(entry: Entry, written: str, phonemes, engine: str) -> str:
        if entry.ipa and phonemes is not None:
            return phonemes(entry.ipa)
        if entry.respell:
            return entry.respell
        _warn_once(entry.word, engine)
        return written


_WARNED: set[tuple[str, str]] = set()


def _warn_once(word: str, engine: str) -> None:
    if (word, engine) in _WARNED:
        return
    _WARNED.add((word, engine))
    log.warning(
        "[pronounce] %r has only IPA, and engine %r cannot take phonemes: it says the word as "
        "written. Add a respelling: %s = { ipa = \"/.../\", respell = \"...\" }", word, engine, _toml_key(word))


def _letters(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = chr(ord("a") + r) + out
        if n == 0:
            return out
        n -= 1


def _toml_key(word: str) -> str:
    return word if re.fullmatch(r"[A-Za-z0-9_-]+", word) else '"' + word.replace('"', '\\"') + '"'


def _symbol(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return f"{ch!r} (U+{ord(ch):04X}{', ' + name.lower() if name else ''})"


def parse_ipa(value: str, where: str) -> str:
    """The phonemes between the slashes, checked symbol by symbol."""
    # The keyboard's g is IPA's ɡ (U+0261), the only one Piper has an id for.
    ipa = unicodedata.normalize("NFC", value.strip()[1:-1]).strip().replace("g", "ɡ")
    if not ipa:
        raise ConfigError(f"{where}: the IPA between the slashes is empty; write the phonemes, such as \"/ˈstɑːmə/\"")
    for ch in ipa:
        if ch not in IPA_SYMBOLS:
            hint = IPA_HINTS.get(ch)
            fix = f"write {hint} instead" if hint else "use the IPA symbols espeak-ng writes (see README)"
            raise ConfigError(f"{where}: unknown IPA symbol {_symbol(ch)}; {fix}")
    return ipa


def _entry(word: Any, value: Any, where: str) -> Entry:
    here = f"{where} {_toml_key(str(word))} = {value!r}"
    if not isinstance(word, str) or not word.strip() or not re.search(r"\w", word):
        raise ConfigError(f"{here}: the word must be a word or phrase")
    word = " ".join(word.split())
    if isinstance(value, str):
        value = value.strip()
        if not value:
            raise ConfigError(f"{here}: empty pronunciation; write a respelling (\"win\") or IPA (\"/wɪn/\")")
        if value.startswith("/"):
            if len(value) < 2 or not value.endswith("/"):
                raise ConfigError(f"{here}: IPA must be between two slashes, such as \"/ˈstɑːmə/\"")
            return Entry(word, ipa=parse_ipa(value, here))
        if "/" in value or "[" in value or "]" in value:
            raise ConfigError(f"{here}: a respelling is letters, spaces and hyphens; IPA goes between slashes")
        return Entry(word, respell=value)
    if isinstance(value, Mapping):
        extra = sorted(set(value) - {"ipa", "respell"})
        if extra:
            raise ConfigError(f"{here}: unknown key {extra[0]!r}; use ipa = \"/.../\" and respell = \"...\"")
        ipa, respell = value.get("ipa"), value.get("respell")
        if ipa is None and respell is None:
            raise ConfigError(f"{here}: give ipa = \"/.../\", respell = \"...\" or both")
        if ipa is not None and (not isinstance(ipa, str) or not re.fullmatch(r"\s*/.*/\s*", ipa)):
            raise ConfigError(f"{here}: ipa must be a string between slashes, such as \"/ˈstɑːmə/\"")
        if respell is not None and (not isinstance(respell, str) or not respell.strip()):
            raise ConfigError(f"{here}: respell must be a non-empty string")
        return Entry(word, respell=respell.strip() if respell else None,
                     ipa=parse_ipa(ipa, here) if ipa is not None else None)
    raise ConfigError(f"{here}: a pronunciation is a string (\"win\" or \"/wɪn/\") or a table with ipa and respell")


def from_tables(*tables: tuple[Mapping[str, Any], str]) -> Lexicon:
    """A lexicon from (table, where) pairs; later tables win for the same word."""
    found: dict[str, Entry] = {}
    for table, where in tables:
        if not isinstance(table, Mapping):
            raise ConfigError(f"{where} must be a table of word = \"pronunciation\"")
        for word, value in table.items():
            entry = _entry(word, value, where)
            found.pop(entry.word, None)
            found[entry.word] = entry
    return Lexicon(tuple(found.values()))


def load(data: Mapping[str, Any], root: Path, where: str) -> Lexicon:
    """[pronounce] of the merged configuration over `pronunciations.toml` in `root`, if any."""
    tables: list[tuple[Mapping[str, Any], str]] = []
    extra = root / FILE_NAME
    if extra.is_file():
        try:
            doc = tomllib.loads(extra.read_text("utf-8"))
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(f"cannot read {extra}: {e}") from e
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{extra}: invalid TOML: {e}. Fix that line and run again") from e
        # Entries at the top level, or under [pronounce] as in briefing.toml.
        tables.append((doc.get("pronounce", doc) if set(doc) == {"pronounce"} else doc, f"{extra}:"))
    tables.append((data.get("pronounce", {}), f"{where}: [pronounce]"))
    return from_tables(*tables)


def respoken(lexicon: Lexicon, segment: Segment, engine_id: str, language: str,
             phonemes: Callable[[str], str] | None) -> Segment:
    """`segment` with its `spoken` text said with the lexicon, for the engine of its voice
    (`phonemes`: the engine's form of raw IPA, None when it cannot take phonemes)."""
    if not lexicon or not lexicon.matches(segment.text):
        return segment
    said = lexicon.spoken(segment.text, language=language, phonemes=phonemes, engine=engine_id)
    return replace(segment, spoken=said)
