"""Configuration: packaged defaults overridden by the producer's briefing.toml, loaded once.

Everything a run needs is read here into one frozen `Settings` passed down the pipeline.
Secrets never live in the file: engines read them from environment variables.
`BRIEFING_HOME` points state and cache elsewhere (tests use it).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from briefing.errors import ConfigError
from briefing.models import SourceSpec, Voice

CONFIG_NAME = "briefing.toml"


@dataclass(frozen=True)
class Show:
    title: str
    author: str
    description: str
    language: str
    base_url: str
    website: str
    email: str
    category: str
    subcategory: str
    explicit: bool
    image: Path | None


@dataclass(frozen=True)
class AudioSettings:
    pause_sentence_ms: int
    pause_speaker_ms: int
    pause_paragraph_ms: int
    pause_article_ms: int
    bitrate: str
    sample_rate: int
    loudness_lufs: float
    peak_dbfs: float


@dataclass(frozen=True)
class FetchSettings:
    """[fetch]: limits for HTTP requests (see fetch.py for why each default is what it is)."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    retries: int = 2
    backoff: float = 1.0
    max_retry_wait: float = 30.0
    max_mb: float = 20.0
    max_redirects: int = 5
    deadline: float = 60.0
    parallel: int = 4
    per_host: int = 2


@dataclass(frozen=True)
class CacheSettings:
    enabled: bool = True
    max_mb: float = 1024.0  # size cap; least recently used clips go first


@dataclass(frozen=True)
class SynthesisSettings:
    workers: int = 0  # local worker processes; 0: one per core
    scheduler: str = ""  # a Dask scheduler address (tcp://HOST:8786); empty: local workers


@dataclass(frozen=True)
class FeedSettings:
    """[feed]: how many episodes the feed keeps (0: no limit)."""

    keep_episodes: int = 0
    keep_days: int = 0


@dataclass(frozen=True)
class Settings:
    root: Path  # folder of briefing.toml; relative paths start here
    config_file: Path | None
    show: Show
    sources: tuple[str, ...]
    narrator: str
    quote_voices: tuple[str, ...]
    voices: Mapping[str, Voice]
    audio: AudioSettings
    output: Path
    home: Path  # state and cache
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)
    # Every source with its options ([sources].paths plus [[sources.feed]] / [[sources.page]]).
    source_specs: tuple[SourceSpec, ...] = ()
    feed_limit: int = 5
    max_words: int = 5000
    max_articles: int = 30
    fetch: FetchSettings = field(default_factory=lambda: FetchSettings())
    cache: CacheSettings = CacheSettings()
    synthesis: SynthesisSettings = SynthesisSettings()
    feed: FeedSettings = FeedSettings()
    # [pronounce] and pronunciations.toml as a script.lexicon.Lexicon: read by pipeline.load_settings,
    # since saying words is the script stage's work and the configuration imports no stage.
    lexicon: Any = None

    @property
    def cast(self) -> tuple[Voice, ...]:
        return tuple(self.voices[n] for n in (self.narrator, *self.quote_voices))

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    @property
    def state_db(self) -> Path:
        return self.home / "state.sqlite3"


def _merge(base: dict, over: Mapping) -> dict:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = v
    return out


def _defaults() -> dict:
    return tomllib.loads(files("briefing").joinpath("defaults.toml").read_text("utf-8"))


def _parse(path: Path) -> dict:
    try:
        text = path.read_text("utf-8")
    except OSError as e:
        raise ConfigError(f"cannot read {path}: {e.strerror}") from e
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path} is not UTF-8 text; save it as UTF-8") from e
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        # tomllib puts "(at line N, column M)" in its message; keep it, and name the file.
        raise ConfigError(f"{path}: invalid TOML: {e}. Fix that line and run again") from e


def find_config(start: Path | None = None) -> Path | None:
    """briefing.toml in `start` (default: the working directory) or its parents."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def _need(section: Mapping, key: str, kind: type | tuple, where: str) -> Any:
    value = section.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind in (int, float, (int, float)):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"{where}.{key} must be a {names}, got {value!r}")
    return value


def load(config_file: Path | None = None, *, required: bool = False) -> Settings:
    """Settings from `config_file` (or the nearest briefing.toml) over the packaged defaults."""
    if config_file is None:
        config_file = find_config()
        if config_file is None and required:
            raise ConfigError(
                f"no {CONFIG_NAME} in {Path.cwd()} or its parents. "
                f"Create one (see the README) or pass --config PATH"
            )
    elif not config_file.is_file():
        raise ConfigError(f"config file {config_file} does not exist. Check the path given to --config")
    data = _defaults()
    if config_file is not None:
        from briefing import config_check

        user = _parse(config_file)
        # Every table, key, type and range, all problems at once, before anything is fetched.
        config_check.check(config_file, user, data, config_file.read_text("utf-8"))
        data = _merge(data, user)
    root = config_file.parent.resolve() if config_file else Path.cwd().resolve()
    return from_dict(data, root=root, config_file=config_file)


def from_dict(data: Mapping[str, Any], *, root: Path, config_file: Path | None = None) -> Settings:
    """Validate merged configuration into Settings; errors name the key and the fix."""
    where = str(config_file or "configuration")
    show = data.get("show", {})
    for key in ("title", "author", "description", "language", "base_url"):
        _need(show, key, str, f"{where}: [show]")
    base_url = show["base_url"]
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(
            f"{where}: [show].base_url must be an absolute http(s) URL where output/ is "
            f"published, got {base_url!r}"
        )
    if not base_url.endswith("/"):
        base_url += "/"
    image = show.get("image") or ""
    show_obj = Show(
        title=show["title"].strip() or "Briefing",
        author=show["author"],
        description=show["description"],
        language=show["language"],
        base_url=base_url,
        website=show.get("website") or base_url,
        email=show.get("email", ""),
        category=show.get("category", "News"),
        subcategory=show.get("subcategory", ""),
        explicit=bool(show.get("explicit", False)),
        image=(root / image) if image else None,
    )

    src = data.get("sources", {})
    paths = src.get("paths", [])
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise ConfigError(f"{where}: [sources].paths must be a list of paths or URLs")
    source_specs, feed_limit, max_words, max_articles = _sources(src, paths, where)
    fetch_settings = _fetch_settings(data.get("fetch", {}), where)

    cast = data.get("cast", {})
    narrator = _need(cast, "narrator", str, f"{where}: [cast]")
    quotes = cast.get("quotes", [])
    if not isinstance(quotes, list) or not quotes or not all(isinstance(q, str) for q in quotes):
        raise ConfigError(f"{where}: [cast].quotes must be a non-empty list of voice names")
    if narrator in quotes:
        raise ConfigError(
            f"{where}: [cast] the narrator voice {narrator!r} is also a quote voice; "
            f"quotes must sound like someone else, so remove it from [cast].quotes"
        )
    default_engine = cast.get("engine", "piper")
    voices_cfg = data.get("voices", {})
    shared = data.get("engines", {})  # [engines.NAME]: options every voice of that engine shares
    if not isinstance(shared, Mapping) or not all(isinstance(v, Mapping) for v in shared.values()):
        raise ConfigError(f"{where}: [engines] must hold one table per engine, such as [engines.openai]")
    voices: dict[str, Voice] = {}
    for name in (narrator, *quotes):
        cfg = dict(voices_cfg.get(name, {}))
        engine = cfg.pop("engine", default_engine)
        if not isinstance(engine, str):
            raise ConfigError(f"{where}: [voices.{name}] engine must be an engine's name, such as \"piper\"")
        cfg = {**shared.get(engine, {}), **cfg}
        if engine == "piper" and isinstance(cfg.get("model"), str) and cfg["model"]:
            # A voice model named relative to briefing.toml, like every other path in it
            # (only Piper's: for a speech server, `model` is a name such as "tts-1").
            cfg["model"] = str((root / Path(cfg["model"]).expanduser()).resolve())
        voices[name] = Voice(name=name, engine=engine, options=MappingProxyType(cfg))

    a = data.get("audio", {})
    try:
        audio = AudioSettings(
            pause_sentence_ms=int(a["pause_sentence_ms"]),
            pause_speaker_ms=int(a["pause_speaker_ms"]),
            pause_paragraph_ms=int(a["pause_paragraph_ms"]),
            pause_article_ms=int(a["pause_article_ms"]),
            bitrate=str(a["bitrate"]),
            sample_rate=int(a["sample_rate"]),
            loudness_lufs=float(a["loudness_lufs"]),
            peak_dbfs=float(a["peak_dbfs"]),
        )
    except (KeyError, TypeError, ValueError) as e:
        raise ConfigError(f"{where}: [audio] has an invalid or missing value: {e}") from e

    home = Path(os.environ.get("BRIEFING_HOME") or root / ".briefing")
    return Settings(
        root=root,
        config_file=config_file,
        show=show_obj,
        sources=tuple(paths),
        narrator=narrator,
        quote_voices=tuple(quotes),
        voices=MappingProxyType(voices),
        audio=audio,
        output=root / show.get("output", "output"),
        home=home,
        raw=MappingProxyType(dict(data)),
        source_specs=source_specs,
        feed_limit=feed_limit,
        max_words=max_words,
        max_articles=max_articles,
        fetch=fetch_settings,
        cache=_cache_settings(data.get("cache", {}), f"{where}: [cache]"),
        synthesis=_synthesis_settings(data.get("synthesis", {}), f"{where}: [synthesis]"),
        feed=_feed_settings(data.get("feed", {}), f"{where}: [feed]"),
    )


def _feed_settings(cfg: Any, where: str) -> FeedSettings:
    """[feed] keep_episodes and keep_days: whole numbers, 0 meaning no limit."""
    if not isinstance(cfg, dict):
        raise ConfigError(f"{where} must be a table with keep_episodes and keep_days")
    values = {}
    for key in ("keep_episodes", "keep_days"):
        value = cfg.get(key, 0)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"{where}.{key} must be a whole number, 0 for no limit; got {value!r}")
        values[key] = value
    return FeedSettings(**values)


def check_output(settings: Settings) -> None:
    """Refuse an output folder that is also a source; warn when it is outside the show folder.

    Output in a sources folder, or a source inside output, reads the feed and the transcripts
    back as articles. Output outside the show folder is allowed (a web server's folder) but is
    said, since the feed's links only work where base_url serves that folder.
    """
    import logging

    output = settings.output.resolve()
    where = settings.config_file or "configuration"
    for spec in settings.source_specs or tuple(SourceSpec(p) for p in settings.sources):
        if spec.is_url:
            continue
        path = Path(spec.location).expanduser()
        path = (path if path.is_absolute() else settings.root / path).resolve()
        if path == output or path.is_relative_to(output):
            raise ConfigError(
                f"{where}: [show].output ({output}) is also a source ({spec.location}): the feed and "
                "transcripts would be read back as articles. Point [show].output at a folder of its "
                "own, or the source elsewhere")
    if not output.is_relative_to(settings.root.resolve()):
        logging.getLogger("briefing.config").warning(
            "[show].output (%s) is outside the show folder (%s): check that %s serves that folder "
            "and that it holds this show's episodes only", output, settings.root, settings.show.base_url)


def _sources(src: Mapping, paths: list[str], where: str) -> tuple[tuple[SourceSpec, ...], int, int, int]:
    """[sources]: paths, [[sources.feed]] and [[sources.page]] entries, feed_limit, max_words, max_articles."""
    known = {"paths", "feed", "page", "feed_limit", "max_words", "max_articles"}
    unknown = sorted(set(src) - known)
    if unknown:
        raise ConfigError(
            f"{where}: [sources] has unknown key {unknown[0]!r}; use paths, feed_limit, max_words, "
            f"max_articles, [[sources.feed]] or [[sources.page]]"
        )
    feed_limit = _positive_int(src, "feed_limit", 5, f"{where}: [sources]")
    max_words = _positive_int(src, "max_words", 5000, f"{where}: [sources]")
    max_articles = _positive_int(src, "max_articles", 30, f"{where}: [sources]")
    specs: list[SourceSpec] = [SourceSpec(p) for p in paths]
    for kind in ("feed", "page"):
        entries = src.get(kind, [])
        if isinstance(entries, Mapping):
            entries = [entries]
        if not isinstance(entries, list):
            raise ConfigError(f"{where}: sources.{kind} must be written [[sources.{kind}]] with url = \"...\"")
        for n, entry in enumerate(entries, start=1):
            here = f"{where}: [[sources.{kind}]] number {n}"
            if not isinstance(entry, Mapping):
                raise ConfigError(f"{here} must be a table with url = \"...\" (or path = \"...\")")
            allowed = {"url", "path", "name"} | ({"limit"} if kind == "feed" else set())
            extra = sorted(set(entry) - allowed)
            if extra:
                raise ConfigError(f"{here} has unknown key {extra[0]!r}; allowed: {', '.join(sorted(allowed))}")
            location = entry.get("url", entry.get("path"))
            if "url" in entry and "path" in entry or not isinstance(location, str) or not location.strip():
                raise ConfigError(f"{here} needs exactly one of url = \"https://...\" or path = \"...\"")
            if "url" in entry and not location.lower().startswith(("http://", "https://")):
                raise ConfigError(f"{here}: url must start with http:// or https://, got {location!r}")
            name = entry.get("name")
            if name is not None and (not isinstance(name, str) or not name.strip()):
                raise ConfigError(f"{here}: name must be a non-empty string, got {name!r}")
            limit = _positive_int(entry, "limit", None, here) if kind == "feed" else None
            specs.append(SourceSpec(location.strip(), kind, limit, name.strip() if name else None))
    return tuple(specs), feed_limit, max_words, max_articles


def _positive_int(section: Mapping, key: str, default: Any, where: str) -> Any:
    value = section.get(key, default)
    if value is default:
        return value
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{where}: {key} must be a whole number of 1 or more, got {value!r}")
    return value


def _fetch_settings(cfg: Any, where: str) -> FetchSettings:
    """[fetch]: numbers only, each positive (retries may be 0)."""
    if not isinstance(cfg, Mapping):
        raise ConfigError(f"{where}: [fetch] must be a table")
    defaults = FetchSettings()
    values: dict[str, Any] = {}
    for key, value in cfg.items():
        if not hasattr(defaults, key):
            raise ConfigError(
                f"{where}: [fetch] has unknown key {key!r}; known: {', '.join(FetchSettings.__dataclass_fields__)}"
            )
        kind = type(getattr(defaults, key))
        ok = not isinstance(value, bool) and isinstance(value, (int, float) if kind is float else int)
        if not ok or value < 0 or value == 0 and key not in ("retries", "backoff"):
            raise ConfigError(f"{where}: [fetch].{key} must be a positive number, got {value!r}")
        values[key] = kind(value)
    return FetchSettings(**values)


def _cache_settings(c: Mapping, where: str) -> CacheSettings:
    """[cache]: enabled, max_mb."""
    max_mb = _need(c, "max_mb", (int, float), where) if "max_mb" in c else CacheSettings.max_mb
    if max_mb < 0:
        raise ConfigError(f"{where}.max_mb must be 0 (no cap) or more, got {max_mb!r}")
    return CacheSettings(enabled=bool(c.get("enabled", True)), max_mb=float(max_mb))


def _synthesis_settings(c: Mapping, where: str) -> SynthesisSettings:
    """[synthesis]: workers, scheduler."""
    workers = _need(c, "workers", int, where) if "workers" in c else 0
    if workers < 0:
        raise ConfigError(f"{where}.workers must be 0 (one per core) or more, got {workers!r}")
    scheduler = _need(c, "scheduler", str, where) if "scheduler" in c else ""
    return SynthesisSettings(workers=workers, scheduler=scheduler.strip())
