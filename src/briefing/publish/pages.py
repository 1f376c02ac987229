"""Web pages for listeners: output/<date>/index.html per episode and output/index.html for the show.

Everything on a page comes from data this project wrote itself (the Episode's cues and
chapters, the script's roles, the state's rows) and every string goes through `html.escape`,
so a headline holding markup is shown as text. No framework, no CDN: one stylesheet and one
small script (`data/page.css`, `data/page.js`) are written beside the pages, and a
Content-Security-Policy meta tag allows only the page's own files. Links to the MP3 and the
assets are relative, so output/ can be copied to any web server or opened from disk. Without
JavaScript the page is still whole: the player, the chapters (linked as `mp3#t=SECONDS`
media fragments) and the transcript; the script only adds seeking and following.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from html import escape
from importlib.resources import files
from pathlib import Path
from urllib.parse import quote

from briefing import atomic
from briefing.config import Show
from briefing.models import Episode
from briefing.safe_text import one_line, xml_safe
from briefing.script.episode import quoted
from briefing.state import EpisodeRow

log = logging.getLogger("briefing")

PAGE = "index.html"
ASSETS = ("page.css", "page.js")
NARRATOR = "Narrator"
QUOTED = "Quoted speaker"  # a quotation whose speaker the segmenter could not name
COVER_NAMES = ("cover.jpg", "cover.png")
# Only the page's own files: no inline script or style, nothing from another origin, no
# plugins, no <base> rewriting, no form posting anywhere.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; media-src 'self'; "
       "base-uri 'none'; form-action 'none'")


def _t(text: str | None) -> str:
    """A one-line string, escaped for text and attribute values alike."""
    return escape(one_line(text), quote=True)


def _web(url: str | None) -> str | None:
    # Only http(s) links are ever put in an href: a `javascript:` article URL stays text.
    return url if url and url.lower().startswith(("http://", "https://")) else None


def clock(seconds: float) -> str:
    """`m:ss`, or `h:mm:ss` past an hour."""
    s = max(0, round(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _head(title: str, root: str, lang: str) -> str:
    return (
        f'<!doctype html>\n<html lang="{_t(lang) or "en"}">\n<head>'
        "\n<meta charset=\"utf-8\">\n"
        f'<meta http-equiv="Content-Security-Policy" content="{escape(CSP)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light dark">\n'
        f"<title>{title}</title>\n"
        f'<link rel="stylesheet" href="{root}page.css">\n'
        f'<script src="{root}page.js" defer></script>\n'
    )


def _cover(output: Path) -> str | None:
    return next((n for n in COVER_NAMES if (output / n).is_file()), None)


def _roles(script: Path | None, count: int) -> list[dict]:
    """Each cue's role and speaker from the script JSON written beside the MP3, when it matches."""
    if script is None:
        return []
    try:
        segments = json.loads(script.read_text("utf-8")).get("segments", [])
    except (OSError, ValueError):
        return []
    return segments if len(segments) == count else []


def episode_html(show: Show, episode: Episode, *, roles: Sequence[dict] = (), cover: str | None = None) -> str:
    """The episode's page: title, date, player, chapters and transcript."""
    mp3 = quote(Path(episode.mp3).name)
    title = _t(episode.title)
    out = [_head(title, "../", show.language)]
    if cover:
        out.append(f'<link rel="icon" href="../{quote(cover)}">\n')
    out.append("</head>\n<body>\n<header>\n")
    out.append(f'<p class="show"><a href="../{PAGE}">{_t(show.title)}</a></p>\n')
    out.append(f'<h1>{title}</h1>\n<p class="date"><time datetime="{_t(episode.date)}">{_t(episode.date)}</time>'
               f' · {clock(episode.duration)}</p>\n</header>\n<main>\n')
    out.append(f'<audio id="player" controls preload="metadata" src="{mp3}">'
               f'<a href="{mp3}">Download the episode (MP3)</a></audio>\n')
    out.append(f'<p class="download"><a href="{mp3}" download>Download the MP3</a></p>\n')
    out.append('<section aria-labelledby="chapters-h">\n<h2 id="chapters-h">Chapters</h2>\n<ol class="chapters">\n')
    for ch in episode.chapters:
        url = _web(ch.url)
        link = f' <a class="source" href="{escape(url)}">original article</a>' if url else ""
        out.append(f'<li><a class="seek" href="{mp3}#t={ch.start:.3f}" data-start="{ch.start:.3f}">'
                   f'<span class="at">{clock(ch.start)}</span> <span class="headline">{_t(ch.title)}</span></a>'
                   f"{link}</li>\n")
    out.append("</ol>\n</section>\n")
    out.append('<section aria-labelledby="transcript-h">\n<h2 id="transcript-h">Transcript</h2>\n'
               '<ol class="transcript">\n')
    for i, cue in enumerate(episode.cues):
        role = roles[i].get("role") if roles else ("quote" if cue.speaker else "narrator")
        who = one_line(cue.speaker) or (QUOTED if role == "quote" else NARRATOR)
        kind = "quote" if role == "quote" else "narrator"
        text = xml_safe(cue.text).strip()
        text = quoted(text) if kind == "quote" else text  # as the .txt transcript writes it
        out.append(f'<li class="cue {kind}" id="s{i + 1}" data-start="{cue.start:.3f}" data-end="{cue.end:.3f}">'
                   f'<a class="seek at" href="{mp3}#t={cue.start:.3f}" data-start="{cue.start:.3f}">'
                   f"{clock(cue.start)}</a> "
                   f'<span class="who">{escape(who)}</span> '
                   f'<span class="text">{escape(text)}</span></li>\n')
    out.append("</ol>\n</section>\n</main>\n</body>\n</html>\n")
    return "".join(out)


def subscribe_links(feed_url: str) -> list[tuple[str, str]]:
    """(app, link) pairs that podcast apps open as "subscribe to this feed"."""
    bare = feed_url.split("://", 1)[-1]
    return [
        ("Apple Podcasts", "podcast://" + bare),
        ("Pocket Casts", "pktc://subscribe/" + bare),
        ("Overcast", "overcast://x-callback-url/add?url=" + quote(feed_url, safe="")),
        ("AntennaPod", "antennapod-subscribe://" + bare),
        ("RSS", feed_url),
    ]


def show_html(show: Show, rows: Sequence[EpisodeRow], *, feed_url: str, cover: str | None = None) -> str:
    """The show's page: artwork, title, description, feed URL and every episode, newest first."""
    title = _t(show.title)
    out = [_head(title, "", show.language)]
    if cover:
        out.append(f'<link rel="icon" href="{quote(cover)}">\n')
    out.append('<link rel="alternate" type="application/rss+xml" '
               f'title="{title}" href="{escape(feed_url)}">\n</head>\n<body>\n<header class="masthead">\n')
    if cover:
        out.append(f'<img class="cover" src="{quote(cover)}" alt="" width="160" height="160">\n')
    out.append(f"<div>\n<h1>{title}</h1>\n")
    if show.author:
        out.append(f'<p class="author">{_t(show.author)}</p>\n')
    if show.description:
        out.append(f'<p class="description">{escape(xml_safe(show.description).strip())}</p>\n')
    out.append("</div>\n</header>\n<main>\n")
    out.append('<section aria-labelledby="subscribe-h">\n<h2 id="subscribe-h">Subscribe</h2>\n'
               '<p><label for="feed-url">Feed URL</label></p>\n<p class="feed">'
               f'<input id="feed-url" type="url" readonly value="{escape(feed_url)}">'
               ' <button type="button" id="copy" hidden>Copy</button>'
               ' <span id="copied" role="status"></span></p>\n<ul class="apps">\n')
    for app, link in subscribe_links(feed_url):
        out.append(f'<li><a href="{escape(link)}">{escape(app)}</a></li>\n')
    out.append("</ul>\n</section>\n")
    out.append('<section aria-labelledby="episodes-h">\n<h2 id="episodes-h">Episodes</h2>\n<ol class="episodes">\n')
    for row in rows:
        href = quote(row.files.get("page") or row.mp3)
        out.append(f'<li><a href="{href}">{_t(row.title)}</a> '
                   f'<span class="meta"><time datetime="{_t(row.date)}">{_t(row.date)}</time>'
                   f" · {clock(row.duration)}</span></li>\n")
    out.append("</ol>\n</section>\n</main>\n</body>\n</html>\n")
    return "".join(out)


def write_assets(output: Path) -> None:
    """output/page.css and page.js, rewritten only when they changed."""
    for name in ASSETS:
        data = files("briefing").joinpath("data", name).read_bytes()
        path = output / name
        if not path.is_file() or path.read_bytes() != data:
            atomic.write_bytes(path, data)


def write_episode(output: Path, show: Show, episode: Episode, *, script: Path | None = None) -> Path:
    """Write output/<date>/index.html (and the assets it uses) atomically."""
    write_assets(output)
    roles = _roles(script, len(episode.cues))
    path = Path(episode.mp3).with_name(PAGE)
    return atomic.write_text(path, episode_html(show, episode, roles=roles, cover=_cover(output)))


def write_show(output: Path, show: Show, rows: Sequence[EpisodeRow], *, feed_url: str) -> Path:
    """Write output/index.html atomically from the kept episodes, newest first."""
    write_assets(output)
    return atomic.write_text(output / PAGE, show_html(show, rows, feed_url=feed_url, cover=_cover(output)))
