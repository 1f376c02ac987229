"""Text that is safe to publish: valid in XML 1.0, ID3, WebVTT and JSON, and still readable.

Titles and bylines come from arbitrary web pages. Escaping `&`, `<` and quotes is the job of
each writer (lxml, json, the WebVTT writer); what no writer can escape are characters XML 1.0
forbids outright, which make lxml refuse the feed. Those are removed here, once, for every
published string. Emoji, right-to-left text and bidi marks are kept: they are legal and meant.
"""

from __future__ import annotations

import re
import unicodedata

# XML 1.0 (section 2.2) allows tab, LF, CR and everything from U+0020 except surrogates and
# U+FFFE/U+FFFF. C1 controls (U+007F-U+009F) are allowed but "discouraged" and render as
# boxes in podcast apps, so they go too.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_SPACE = re.compile(r"\s+")


def xml_safe(text: str | None) -> str:
    """`text` without characters XML 1.0 forbids, NFC-normalised; line breaks kept."""
    if not text:
        return ""
    return _ILLEGAL.sub("", unicodedata.normalize("NFC", text))


# --- the terminal ----------------------------------------------------------------------
# A headline can hold `\x1b]0;...\x07` (set the window title) or `\x1b[2J` (clear the screen);
# printed raw, a page would drive the producer's terminal. Whole escape sequences go first
# (so no `[2J` residue is left), then every other C0/C1 control but line break and tab.
# Single C1 bytes (U+009B as CSI) are removed alone: in decoded text they are far more often
# a mis-decoded byte than an escape, and the letters after them are kept.
_ESCAPE_SEQ = re.compile(
    r"\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC ... BEL/ST
    r"|\x1b[P^_X][^\x1b]*(?:\x1b\\)?"  # DCS, PM, APC, SOS ... ST
    r"|\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI
    r"|\x1b[ -/]*[0-~]?"  # two-character escapes
)
_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: object) -> str:
    """`text` with terminal escape sequences and control characters removed; lines and tabs kept."""
    text = str(text)
    return _TERMINAL.sub("", _ESCAPE_SEQ.sub("", text))


def one_line(text: str | None) -> str:
    """`xml_safe` text on one line with runs of whitespace collapsed: for titles and names."""
    return _SPACE.sub(" ", xml_safe(text)).strip()


# --- links ---------------------------------------------------------------------------------
# A link leaves the project in the chapters JSON, the ID3 CHAP/WXXX frames and comment, the
# feed's show notes and the script: podcast apps and web pages render it as a link, so
# anything but an http(s) URL with a host (`javascript:`, `data:`, `file:`) is dropped, and
# what is kept is percent-encoded to RFC 3986 so no `"` or `<` can end an attribute.

# Characters RFC 3986 allows unescaped (reserved and unreserved, plus `%` of existing escapes);
# letters and digits are always kept by `quote`.
_URL_SAFE = "!#$%&'()*+,-./:;=?@[]~_"
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_URL_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")
_HOST = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$")
# Longer than any article URL in the wild; browsers and apps choke well before 64 KB.
MAX_URL = 2048


def safe_url(url: object) -> str | None:
    """`url` as a well-formed http(s) URL with a host, or None if it cannot be one."""
    from urllib.parse import quote, urlsplit, urlunsplit

    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or len(url) > MAX_URL or _URL_SPACE.search(url) or "\\" in url:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname or ""
    except ValueError:  # a bad port or an unbalanced IPv6 bracket
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    if parts.username is not None or parts.password is not None:
        return None  # `https://bank.example@evil.example/` reads as one host and goes to another
    if ":" in host:  # IPv6 literal: urlsplit checked the brackets, ipaddress checks the rest
        import ipaddress

        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return None
        netloc = f"[{host}]"
    else:
        try:
            host = host.encode("idna").decode("ascii") if not host.isascii() else host
        except UnicodeError:
            return None
        if not _HOST.match(host):
            return None
        netloc = host
    if port is not None:
        netloc += f":{port}"

    def enc(part: str) -> str:
        return _BAD_PERCENT.sub("%25", quote(part, safe=_URL_SAFE))

    return urlunsplit((parts.scheme.lower(), netloc, enc(parts.path), enc(parts.query), enc(parts.fragment)))
