"""A producer's briefing.toml checked against the packaged defaults, before anything is fetched.

Every problem is collected, each with its file and line, and reported in one ConfigError, so a
producer fixes them all in one go instead of one per run. A typo ("titel") is never silently
ignored: a key the defaults do not have is an error, with "did you mean" for near misses.
tomllib gives no line numbers, so lines are found by scanning the file's text for the table
header and the key under it.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from briefing.errors import ConfigError

# Tables whose keys are names the producer chooses, not fixed keys: one table per voice, per
# engine's shared options ([engines.openai]), and the words of the [pronounce] lexicon (whose
# entries script/lexicon.py checks one by one).
NAMED_TABLES = frozenset({"voices", "engines", "pronounce"})
# Tables config.py already checks key by key, with messages tests and producers know
# (each [[sources.feed]] entry has its own rules): only their presence is checked here.
CHECKED_BY_CONFIG = frozenset({"sources", "fetch"})
# Keys a [voices.NAME] table may set. "engine" and "model" pick the voice; the rest are the
# engines' options (piper.py, gtts.py, transform.py). Unknown keys are errors: a misspelt
# "pich" would otherwise leave the voice unshifted, sounding like the narrator.
VOICE_KEYS = frozenset({
    "engine", "model", "speaker", "length_scale", "noise_scale", "noise_w",
    "pitch", "formant", "pitch_range", "tilt", "tld", "lang", "slow",
    # an OpenAI-compatible speech server (speech/engines/openai.py)
    "base_url", "voice", "api_key_env", "response_format", "speed", "timeout", "retries",
})

# The engines that ship with briefing, whose options VOICE_KEYS lists.
BUILTIN_ENGINES = frozenset({"piper", "gtts", "openai", "silence"})

# Ranges: (low, high), inclusive. Chosen as the widest values that still make a usable show,
# so they catch slips (a sign dropped, a unit confused) rather than taste.
RANGES: dict[tuple[str, str], tuple[float, float]] = {
    # Podcast platforms ask for -16 (Apple/Spotify) to -14 LUFS; below -30 is inaudible on a
    # phone, above -9 distorts. Integrated loudness is always negative.
    ("audio", "loudness_lufs"): (-30.0, -9.0),
    ("audio", "peak_dbfs"): (-12.0, 0.0),  # a true-peak ceiling above 0 dBFS clips
    # Pauses: 10 s of silence is already a dead air; more is a typo (seconds written as ms).
    ("audio", "pause_sentence_ms"): (0, 10_000),
    ("audio", "pause_speaker_ms"): (0, 10_000),
    ("audio", "pause_paragraph_ms"): (0, 10_000),
    ("audio", "pause_article_ms"): (0, 10_000),
    ("audio", "sample_rate"): (8000, 96_000),
}
# Voice transforms (transform.py) and Piper's options: beyond these the voice breaks up
# (bench/voices.py found intelligibility falls well inside them).
VOICE_RANGES: dict[str, tuple[float, float]] = {
    "pitch": (0.25, 4.0),
    "formant": (0.5, 2.0),
    "pitch_range": (0.0, 4.0),
    "tilt": (-24.0, 24.0),
    "length_scale": (0.25, 4.0),
    "noise_scale": (0.0, 2.0),
    "noise_w": (0.0, 2.0),
}
# ffmpeg's bitrate form: a number of kilobits and "k". MP3 allows 8k to 320k.
BITRATE = re.compile(r"^(\d{1,3})k$")


@dataclass(frozen=True)
class Problem:
    line: int | None
    message: str


class _Lines:
    """Where tables and keys are written in the file's text (tomllib keeps no positions)."""

    HEADER = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
    KEY = re.compile(r"""^\s*("?)([A-Za-z0-9_.-]+)\1\s*=""")

    def __init__(self, text: str):
        self.tables: dict[str, int] = {}
        self.keys: dict[tuple[str, str], int] = {}
        table = ""
        for n, line in enumerate(text.splitlines(), start=1):
            head = self.HEADER.match(line)
            if head:
                table = head.group(1).replace(" ", "").replace('"', "")
                self.tables.setdefault(table, n)
                continue
            key = self.KEY.match(line)
            if key:
                full = f"{table}.{key.group(2)}" if table else key.group(2)
                where, _, name = full.rpartition(".")
                self.keys.setdefault((where, name), n)

    def of_table(self, table: str) -> int | None:
        return self.tables.get(table) or self.keys.get(tuple(table.rpartition(".")[::2]))  # type: ignore[arg-type]

    def of_key(self, table: str, key: str) -> int | None:
        return self.keys.get((table, key)) or self.of_table(table)


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _kind(value: Any) -> str:
    return {bool: "true/false", int: "a whole number", float: "a number", str: "a string in quotes",
            list: "a list [...]", dict: "a table"}.get(type(value), type(value).__name__)


# Keys whose default is written as a whole number but which take any number.
ANY_NUMBER = frozenset({("cache", "max_mb")})


def _same_type(default: Any, value: Any, where: tuple[str, str] = ("", "")) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float) or where in ANY_NUMBER and isinstance(default, int):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def problems(user: Mapping[str, Any], defaults: Mapping[str, Any], text: str) -> list[Problem]:
    """Every problem in `user` (the producer's file as parsed) against `defaults`."""
    lines = _Lines(text)
    found: list[Problem] = []

    def add(line: int | None, message: str) -> None:
        found.append(Problem(line, message))

    for table, section in user.items():
        if table not in defaults and table not in NAMED_TABLES:
            add(lines.of_table(table), f"unknown table [{table}]{_suggest(table, defaults)}")
            continue
        if not isinstance(section, Mapping):
            add(lines.of_key("", table), f"{table} must be a table: write [{table}] with keys under it")
            continue
        if table in NAMED_TABLES or table in CHECKED_BY_CONFIG:
            continue
        known = set(defaults[table])
        for key, value in section.items():
            if key not in known:
                add(lines.of_key(table, key), f"[{table}] unknown key {key!r}{_suggest(key, known)}")
                continue
            default = defaults[table].get(key)
            if default is None:
                continue
            if not _same_type(default, value, (table, key)):
                add(lines.of_key(table, key),
                    f"[{table}].{key} must be {_kind(default)} (like {default!r}), got {value!r}")
                continue
            span = RANGES.get((table, key))
            if span and not span[0] <= value <= span[1]:
                add(lines.of_key(table, key),
                    f"[{table}].{key} = {value!r} is out of range: use {span[0]:g} to {span[1]:g}")

    audio = user.get("audio")
    if isinstance(audio, Mapping) and isinstance(audio.get("bitrate"), str):
        rate = BITRATE.match(audio["bitrate"].strip())
        if not rate or not 8 <= int(rate.group(1)) <= 320:
            add(lines.of_key("audio", "bitrate"),
                f"[audio].bitrate = {audio['bitrate']!r} is not a bitrate: write kilobits and k, "
                f'like "96k" (8k to 320k)')

    voices = _voices(user, defaults)
    cast_cfg = user.get("cast") if isinstance(user.get("cast"), Mapping) else {}
    default_engine = cast_cfg.get("engine", defaults.get("cast", {}).get("engine", "piper"))
    for name, cfg in voices.items():
        table = f"voices.{name}"
        if not isinstance(cfg, Mapping):
            add(lines.of_key("voices", name), f"[voices.{name}] must be a table of engine options")
            continue
        # A plugin's engine declares options of its own, which only it knows.
        builtin = cfg.get("engine", default_engine) in BUILTIN_ENGINES
        for key, value in cfg.items():
            if key not in VOICE_KEYS and builtin:
                add(lines.of_key(table, key), f"[{table}] unknown key {key!r}{_suggest(key, VOICE_KEYS)}")
                continue
            span = VOICE_RANGES.get(key)
            if span is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                add(lines.of_key(table, key), f"[{table}].{key} must be a number, got {value!r}")
            elif not span[0] <= value <= span[1]:
                add(lines.of_key(table, key),
                    f"[{table}].{key} = {value!r} is out of range: use {span[0]:g} to {span[1]:g}")

    cast = {**defaults.get("cast", {}), **(user.get("cast") if isinstance(user.get("cast"), Mapping) else {})}
    named = [("narrator", cast.get("narrator"))]
    quotes = cast.get("quotes")
    if isinstance(quotes, list):
        named += [("quotes", q) for q in quotes]
    for key, name in named:
        if isinstance(name, str) and name not in voices:
            add(lines.of_key("cast", key),
                f"[cast].{key} names voice {name!r}, which no [voices.{name}] table defines"
                f"{_suggest(name, voices)}")
    return found


def _voices(user: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Voices defined by the defaults and the producer (the producer's tables win)."""
    out = dict(defaults.get("voices", {}))
    mine = user.get("voices")
    if isinstance(mine, Mapping):
        out.update(mine)
    return out


def check(path: Path, user: Mapping[str, Any], defaults: Mapping[str, Any], text: str) -> None:
    """Raise one ConfigError listing every problem in `path`, each with its line."""
    found = problems(user, defaults, text)
    if not found:
        return
    head = f"{path}: 1 problem" if len(found) == 1 else f"{path}: {len(found)} problems"
    body = "\n".join(f"  {path}:{p.line}: {p.message}" if p.line else f"  {path}: {p.message}" for p in found)
    raise ConfigError(f"{head}; fix these and run again:\n{body}")
