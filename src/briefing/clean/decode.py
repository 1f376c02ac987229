"""Cleaning stage: turn a fetched or read Document into an Article a listener should hear.

`clean(doc)` decodes the bytes (declared charset first, detection when missing or wrong),
refuses binary input with a clear reason, then hands the text to the HTML cleaner
(`clean_html`) or the raw page text cleaner (`clean_text`). Both raise `NoArticleFound` when
the page holds no article (home page, 404, login wall, clutter only, empty).
"""

from __future__ import annotations

import codecs
import dataclasses
import logging
import re
import zlib

from briefing.clean import rules
from briefing.clean.html import clean_html
from briefing.clean.text import clean_text
from briefing.errors import NoArticleFound, SourceError
from briefing.models import Article, Document
from briefing.safe_text import safe_url, terminal_safe

log = logging.getLogger("briefing.clean")

__all__ = ["clean", "decode", "article_to_dict"]

_CHARSET_RE = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)
_META_RE = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_XML_DECL_RE = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.IGNORECASE)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def clean(doc: Document) -> Article:
    """Return the article in `doc`, or raise NoArticleFound / SourceError."""
    doc = _sniff(doc)
    text = decode(doc)
    if not text.strip():
        raise NoArticleFound(doc.source, "the file is empty")
    if doc.kind == "text":
        return _safe_link(clean_text(text, source=doc.source, url=doc.url))
    return _safe_link(clean_html(text, source=doc.source, url=doc.url))


def _safe_link(article: Article) -> Article:
    """The article with its link made a well-formed http(s) URL, or dropped with a warning.

    The link comes from the page itself (`og:url`, the canonical link) and is published as a
    chapter link, an ID3 WXXX frame and in the show notes, so a `javascript:` one must go.
    """
    url = safe_url(article.url)
    if article.url and url is None:
        log.warning("%s: dropped its link %s: not a well-formed http(s) URL",
                    article.source, ascii(article.url[:200]))
    return article if url == article.url else dataclasses.replace(article, url=url)


_HTML_HEAD_RE = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>]|head[\s>])", re.IGNORECASE | re.DOTALL)


def _sniff(doc: Document) -> Document:
    """Inflate gzip content and read a whole HTML document as HTML whatever its file name.

    Saved pages come as `.html.gz`, or with a name that says text; a file that opens with
    `<!doctype html>` or `<html>` is a web page, and reading its markup aloud helps no one.
    """
    content = doc.content or b""
    if content[:2] == b"\x1f\x8b":
        content = _inflate(content, doc.source)
    kind = doc.kind
    if kind == "text" and _HTML_HEAD_RE.match(content[:4096].lstrip(b"\xef\xbb\xbf")):
        kind = "html"
    if content is doc.content and kind == doc.kind:
        return doc
    return dataclasses.replace(doc, content=content, kind=kind)


def _inflate(content: bytes, source: str) -> bytes:
    """Inflate gzip bytes (saved pages are often .html.gz), bounded against zip bombs."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(content, rules.MAX_INFLATED_BYTES)
    except zlib.error as exc:
        raise SourceError(source, f"the file looks gzip-compressed but is damaged ({exc})") from None
    return out


def _declared_charset(doc: Document, head: bytes) -> str | None:
    """The charset the server or the page itself declares, if any and if Python knows it."""
    candidates: list[bytes] = []
    if doc.content_type:
        m = _CHARSET_RE.search(doc.content_type.encode("latin-1", "replace"))
        if m:
            candidates.append(m.group(1))
    if doc.kind == "html":
        m = _XML_DECL_RE.search(head)
        if m:
            candidates.append(m.group(1))
        for meta in _META_RE.finditer(head):
            m = _CHARSET_RE.search(meta.group(0))
            if m:
                candidates.append(m.group(1))
                break
    for raw in candidates:
        name = raw.decode("ascii", "ignore").strip().lower()
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            continue
        # Pages that declare Latin-1 are nearly always Windows-1252 (browsers treat them so).
        if codec in ("latin-1", "iso8859-1", "ascii"):
            codec = "cp1252"
        return codec
    return None


def _sniff_binary(content: bytes) -> str | None:
    for magic, what in rules.BINARY_SIGNATURES:
        if content.startswith(magic):
            return what
    return None


def _detect(content: bytes) -> str | None:
    from charset_normalizer import from_bytes

    results = from_bytes(content[: rules.CHARSET_SAMPLE_BYTES])
    best = results.best()
    if best is None:
        return None
    # Western text fits several 8-bit code pages equally well; among guesses as good as the
    # best, take Windows-1252, by far the commonest legacy encoding on the web.
    for match in results:
        if abs(match.chaos - best.chaos) <= 0.005 and abs(match.coherence - best.coherence) <= 0.01:
            if "cp1252" in match.could_be_from_charset:
                return "cp1252"
    return best.encoding


def _control_share(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = sum(1 for ch in sample if ch < " " and ch not in "\t\n\r\f" or ch == "\ufffd")
    return bad / len(sample)


def decode(doc: Document) -> str:
    """Decode `doc.content` to text, honouring a declared charset and detecting a missing one."""
    content = doc.content or b""
    if content[:2] == b"\x1f\x8b":
        content = _inflate(content, doc.source)
    what = _sniff_binary(content.lstrip()[:16])
    if what:
        raise SourceError(doc.source, f"this is {what}, not a web page or text; give the article's HTML page or its text")
    for bom, codec in _BOMS:
        if content.startswith(bom):
            return content[len(bom):].decode(codec, "replace")
    if not content.strip():
        return ""
    declared = _declared_charset(doc, content[:4096])
    text: str | None = None
    if declared and not declared.startswith(("utf-16", "utf-32")):
        # Bytes that are valid UTF-8 with non-ASCII characters are UTF-8 whatever the page
        # says (a legacy declaration left in a template); by chance that almost never happens.
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            text = _mostly_utf8(content, doc.source)
    if text is None and declared:
        try:
            text = content.decode(declared)
        except (UnicodeDecodeError, LookupError):
            text = None  # declared wrong: fall through to detection
    if text is None:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            text = _mostly_utf8(content, doc.source)
        if text is None:
            # Detect on a bounded sample, then decode the whole page with that guess.
            codec = _detect(content) or "cp1252"
            text = content.decode(codec, "replace")
    if "\x00" in text[:4096]:
        # NULs in text decoded as 8-bit: maybe UTF-16 without a BOM, else binary.
        codec = _detect(content)
        if codec and codec.replace("_", "-").startswith(("utf-16", "utf-32")):
            text = content.decode(codec, "replace")
    if _control_share(text) > rules.MAX_CONTROL_SHARE:
        raise SourceError(doc.source, "this looks like a binary file, not a web page or text; give the article's HTML page or its text")
    return _without_controls(text)


# C0 controls but tab and line feed, DEL and C1 controls: none is text, a NUL makes the
# speech engine fail ("embedded null character") and a terminal escape sequence would reach
# the producer's terminal in a headline (it goes whole, not just its ESC). Carriage returns,
# form feeds and vertical tabs end lines, so they become line feeds (CRLF as one).
_LINE_CONTROLS = re.compile("\r\n?|[\x0b\x0c]")


def _without_controls(text: str) -> str:
    return terminal_safe(_LINE_CONTROLS.sub("\n", text))


def _mostly_utf8(content: bytes, source: str) -> str | None:
    """`content` as UTF-8 with its few invalid bytes replaced, if it is almost all valid UTF-8.

    One stray byte in a UTF-8 article must not make the whole file decode as a legacy code
    page (curly quotes then read as other letters and quotes lose their voices). A legacy
    8-bit file has almost no valid multi-byte UTF-8 sequences, so the test is their share.
    """
    text = content.decode("utf-8", "replace")
    bad = text.count("\ufffd") - content.count("\ufffd".encode())
    good = sum(1 for ch in text if ord(ch) > 127 and ch != "\ufffd")
    if bad <= 0 or good < rules.MOSTLY_UTF8_RATIO * bad:
        return None
    log.warning("%s: %d byte%s not valid UTF-8; read as UTF-8 with %s replaced", source, bad,
                "s are" if bad > 1 else " is", "them" if bad > 1 else "it")
    return text


def article_to_dict(article: Article) -> dict:
    """The JSON shape printed by `briefing clean --format json` (standfirst only when there is one)."""
    doc = {
        "title": article.title,
        "byline": article.byline,
        "site": article.site,
        "published": article.published,
        "url": article.url,
        "body": [{"kind": b.kind, "text": b.text} for b in article.body],
    }
    if article.standfirst:
        doc["standfirst"] = article.standfirst
    return doc
