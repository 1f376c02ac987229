"""Main-content extraction from HTML: trafilatura first, readability when it falls short.

Signals combined (none names a site):
- trafilatura with favor_precision and no comments gives the cleanest body, but keeps only
  the first section of bodies split in several containers and gives up on short pages;
- readability scores containers by text density and returns the best one, whole;
- when trafilatura returns little text, or readability's body holds clearly more of the
  page's prose while agreeing with trafilatura's, readability's blocks are used instead.
Then narration clean-up drops clutter blocks (rules in `clean/rules.py`), the title,
byline and standfirst repeated in the body, and metadata comes from the page's own tags.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import replace

import lxml.html
from lxml import etree

from briefing.clean import rules
from briefing.clean.blocks import byline_name, finish_article, normalise_space
from briefing.errors import NoArticleFound
from briefing.models import Article, Block

# Regexes to shrink a page before parsing: these parts are never narrated and can be huge
# (inline scripts, JSON state, base64 images). Bounded by MAX_HTML_CHARS afterwards.
_STRIP_RES = (
    re.compile(r"<script\b(?![^>]*application/ld\+json)[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL),
    re.compile(r"<style\b[^>]*>.*?</style\s*>", re.IGNORECASE | re.DOTALL),
    re.compile(r"<!--.*?-->", re.DOTALL),
    re.compile(r"""data:[a-z]+/[a-z0-9.+\-]+;base64,[A-Za-z0-9+/=\s]{200,}""", re.IGNORECASE),
    re.compile(r"<svg\b[^>]*>.*?</svg\s*>", re.IGNORECASE | re.DOTALL),
)

_BLOCK_TAGS = {
    "p": "paragraph", "h1": "heading", "h2": "heading", "h3": "heading", "h4": "heading",
    "h5": "heading", "h6": "heading", "li": "list_item", "blockquote": "quote", "pre": "paragraph",
    "dd": "paragraph", "dt": "paragraph", "td": "paragraph", "th": "paragraph",
    "figcaption": "paragraph", "div": "paragraph", "section": "paragraph", "article": "paragraph",
    "ul": "paragraph", "ol": "paragraph", "dl": "paragraph", "table": "paragraph", "tr": "paragraph",
    "tbody": "paragraph", "thead": "paragraph", "main": "paragraph", "header": "paragraph",
    "footer": "paragraph", "aside": "paragraph", "figure": "paragraph", "address": "paragraph",
}

# Below this many words trafilatura's result is taken as a miss and readability is tried;
# the reference combination in the issue uses 200, kept here.
FALLBACK_WORDS = 200


def _preclean(html: str) -> str:
    for pattern in _STRIP_RES:
        html = pattern.sub(" ", html)
    if len(html) > rules.MAX_HTML_CHARS:
        html = html[: rules.MAX_HTML_CHARS]
    return html


def _parse(html: str) -> lxml.html.HtmlElement | None:
    try:
        parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, recover=True)
        tree = lxml.html.document_fromstring(html, parser=parser)
    except (etree.ParserError, ValueError, etree.XMLSyntaxError):
        return None
    return tree


# --- metadata -------------------------------------------------------------------------------


def _meta(tree, *names: str) -> str | None:
    for name in names:
        for attr in ("property", "name", "itemprop"):
            for el in tree.xpath(f'//meta[@{attr}="{name}"]'):
                value = normalise_space(el.get("content") or "")
                if value:
                    return value
    return None


def _json_ld(tree) -> list[dict]:
    found: list[dict] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = [data]
        while stack and len(found) < 50:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if "@graph" in item:
                    stack.append(item["@graph"])
                found.append(item)
    return found


def _ld_name(value) -> str | None:
    if isinstance(value, list):
        names = [n for n in (_ld_name(v) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) if names else None
    if isinstance(value, dict):
        value = value.get("name")
    if isinstance(value, str):
        value = normalise_space(value)
        return value or None
    return None


def _metadata(tree, traf) -> dict:
    """Title, byline, site, date and description from the page's own metadata."""
    ld = [d for d in _json_ld(tree) if isinstance(d.get("@type"), str) and re.search(r"Article|Posting|Report|Blog", d["@type"])]
    article_ld = ld[0] if ld else {}
    title = (
        _ld_str(article_ld.get("headline"))
        or _meta(tree, "og:title", "twitter:title")
        or (traf.title if traf is not None else None)
    )
    h1 = [normalise_space(h.text_content()) for h in tree.xpath("//h1")[:3]]
    h1 = [h for h in h1 if h]
    if h1 and (not title or _similar_prefix(h1[0], title)):
        title = h1[0]  # the on-page headline, without " | Site name" decorations
    if not title:
        t = tree.find(".//title")
        title = normalise_space(t.text_content()) if t is not None else ""
    byline = _ld_name(article_ld.get("author")) or _meta(tree, "author", "article:author", "byl", "parsely-author", "sailthru.author", "dc.creator")
    if byline and byline.startswith(("http://", "https://")):
        byline = None
    if not byline:
        byline = _byline_from_page(tree)
    site = _meta(tree, "og:site_name", "application-name", "twitter:site") or (_ld_name(article_ld.get("publisher")) if article_ld else None)
    if not site and traf is not None:
        site = traf.sitename
    if site and site.startswith("@"):
        site = site[1:]
    published = _ld_str(article_ld.get("datePublished")) or _meta(tree, "article:published_time", "datePublished", "pubdate", "date", "dc.date", "sailthru.date", "parsely-pub-date")
    if not published:
        times = tree.xpath("//time/@datetime")
        published = times[0] if times else None
    description = _ld_str(article_ld.get("description")) or _meta(tree, "og:description", "description", "twitter:description")
    url = _meta(tree, "og:url")
    if not url:
        links = tree.xpath('//link[@rel="canonical"]/@href')
        url = links[0] if links else None
    return {"title": title or "", "byline": byline, "site": site, "published": published, "description": description, "url": url}


def _byline_from_page(tree) -> str | None:
    """A byline from an element marked as one (rel=author, class or itemprop author)."""
    for el in tree.xpath(rules.BYLINE_XPATH):
        text = normalise_space(el.text_content())
        if 2 <= len(text) <= 80:
            return byline_name(text) or (text if len(text.split()) <= 5 and not text.lower().startswith("by ") else None)
    return None


def _ld_str(value) -> str | None:
    if isinstance(value, list) and value:
        value = value[0]
    if isinstance(value, str):
        return normalise_space(value) or None
    return None


def _similar_prefix(a: str, b: str) -> bool:
    a, b = a.lower(), b.lower()
    return bool(a) and (b.startswith(a[:40]) or a.startswith(b[:40]))


# --- body -----------------------------------------------------------------------------------


def _prune(tree) -> set[str]:
    """Remove hidden elements, hover cards and printed dates, keeping the text that follows
    them; the printed dates' texts are returned, for the fallback extractor's blocks."""
    doomed = list(tree.xpath(rules.HTML_HIDDEN_XPATH))
    for el in tree.xpath("//body//span[@class] | //body//div[@class]"):
        if rules.HOVER_CARD_CLASS_RE.search(el.get("class") or ""):
            doomed.append(el)
    dates = [el for el in tree.xpath(rules.DATELINE_XPATH) if _stands_alone(el)]
    texts = {normalise_space(el.text_content()) for el in dates}
    for el in doomed + dates:
        if el.getparent() is not None:
            el.drop_tree()
    return texts


def _without_dates(text: str, dates: set[str]) -> str:
    for d in dates:
        if text == d:
            return ""
        if d and text.endswith(" " + d):
            text = text[: -len(d) - 1].rstrip()
        elif d and text.startswith(d + " "):
            text = text[len(d) + 1:].lstrip()
    return text


def _stands_alone(el) -> bool:
    """Whether a date element is a line of its own (not a word of a sentence) and short."""
    text = normalise_space(el.text_content())
    if len(text.split()) > rules.DATELINE_MAX_WORDS:
        return False
    if el.tag != "time":
        return True
    parent = el.getparent()
    while parent is not None and parent.tag not in ("p", "li", "div", "article", "section", "header", "body",
                                                    "h1", "h2", "h3", "h4", "footer", "main"):
        parent = parent.getparent()
    if parent is None or parent.tag in ("div", "article", "section", "header", "body", "footer", "main"):
        # Straight inside a container: a line of its own unless text runs on around it.
        return not normalise_space(el.tail or "")
    return normalise_space(parent.text_content()) == text


def _text_before(el) -> str:
    """The text of the nearest preceding sibling that has any ("" if none)."""
    for prev in el.itersiblings(preceding=True):
        t = normalise_space(prev.text_content())
        if t:
            return t
    return ""


def _social_embeds(tree, blocks: list[Block]) -> list[Block]:
    """Put back embedded posts (tweets) that sit between the story's paragraphs."""
    embeds = [el for el in tree.xpath("//body//blockquote[@class]") if rules.SOCIAL_EMBED_CLASS_RE.search(el.get("class") or "")]
    if not embeds or not blocks:
        return blocks
    index = {b.text: i for i, b in enumerate(blocks)}
    inserts: dict[int, list[Block]] = {}
    for el in embeds:
        # The story paragraph just before the post anchors it; no anchor, not in the story.
        anchor = index.get(_text_before(el))
        if anchor is None and el.getparent() is not None:
            anchor = index.get(_text_before(el.getparent()))
        if anchor is None:
            continue
        parts = [normalise_space(p.text_content()) for p in el.iter("p")]
        # The attribution line: the post's text outside its paragraphs.
        bits = [el.text or ""]
        for c in el:
            if c.tag != "p":
                bits.append(c.text_content())
            bits.append(c.tail or "")
        rest = normalise_space(" ".join(bits))
        new = [Block("quote", t) for t in parts + [rest] if t and t not in index]
        if new:
            inserts.setdefault(anchor, []).extend(new)
    if not inserts:
        return blocks
    out: list[Block] = []
    for i, b in enumerate(blocks):
        out.append(b)
        out.extend(inserts.get(i, ()))
    return out



def _traf_blocks(body) -> list[Block]:
    """Blocks from trafilatura's output tree (p, head, list/item, quote, table)."""
    blocks: list[Block] = []

    def text_of(el) -> str:
        return normalise_space(" ".join(el.itertext()))

    def loose(text: str | None) -> None:
        # Text sitting directly in trafilatura's body (not wrapped in <p>) is story text too.
        t = normalise_space(text or "")
        if t:
            blocks.append(Block("paragraph", t))

    loose(body.text)
    for child in body:
        _traf_child(child, blocks, text_of)
        loose(child.tail)
    return blocks


def _traf_child(child, blocks: list[Block], text_of) -> None:
    if True:
        tag = child.tag
        if tag == "head":
            t = text_of(child)
            if t:
                blocks.append(Block("heading", t))
        elif tag == "list":
            for item in child.iter("item"):
                t = normalise_space(" ".join(x for x in _own_text(item)))
                if t:
                    blocks.append(Block("list_item", t))
        elif tag == "quote":
            parts = [p for p in child if p.tag in ("p", "list", "head")]
            if parts:
                for p in parts:
                    t = text_of(p)
                    if t:
                        blocks.append(Block("quote", t))
            else:
                t = text_of(child)
                if t:
                    blocks.append(Block("quote", t))
        elif tag == "table":
            for row in child.iter("row"):
                t = normalise_space(" ".join(text_of(c) for c in row))
                if t:
                    blocks.append(Block("paragraph", t))
        else:
            t = text_of(child)
            if t:
                blocks.append(Block("paragraph", t))


def _own_text(item):
    """Text of a list item without its nested lists' items (those come as their own items)."""
    if item.text:
        yield item.text
    for sub in item:
        if sub.tag != "list":
            yield from sub.itertext()
        if sub.tail:
            yield sub.tail


def _html_blocks(root) -> list[Block]:
    """Blocks from an HTML fragment (readability's summary), in reading order."""
    blocks: list[Block] = []
    buf: list[str] = []
    kind_stack: list[str] = ["paragraph"]

    def flush():
        t = normalise_space("".join(buf))
        buf.clear()
        if t:
            blocks.append(Block(kind_stack[-1], t))

    def walk(el, depth=0):
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in ("script", "style", "noscript", "figcaption", "button", "form", "svg"):
            if el.tail:
                buf.append(el.tail)
            return
        is_block = tag in _BLOCK_TAGS
        if tag == "br":
            buf.append(" ")
        if is_block:
            flush()
            kind = _BLOCK_TAGS[tag]
            if kind == "paragraph" and kind_stack[-1] in ("quote", "list_item"):
                kind = kind_stack[-1]
            kind_stack.append(kind)
        if el.text and tag:
            buf.append(el.text)
        if depth < 400:
            for child in el:
                walk(child, depth + 1)
        if is_block:
            flush()
            kind_stack.pop()
        if el.tail:
            buf.append(el.tail)

    walk(root)
    flush()
    return blocks


def _readability_blocks(html: str) -> list[Block]:
    try:
        from readability import Document as Readable

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            summary = Readable(html).summary(html_partial=True)
        root = lxml.html.fragment_fromstring(summary, create_parent="div")
    except Exception:  # readability raises bare Exceptions on odd pages; it is only a fallback
        return []
    return _html_blocks(root)


def _words(blocks: list[Block]) -> int:
    return sum(len(b.text.split()) for b in blocks)


def _shingles(blocks: list[Block]) -> set:
    toks = re.findall(r"\w+", " ".join(b.text for b in blocks).lower())
    return {tuple(toks[i:i + 4]) for i in range(len(toks) - 3)}


def _marked_standfirst(tree, description: str | None, blocks: list[Block]) -> bool:
    """Whether the page shows `description` in an element marked as a standfirst."""
    if not description:
        return False
    want = normalise_space(description)
    if not any(b.text == want for b in blocks[:6]):
        return False  # not printed in the body: nothing to decide
    for el in tree.xpath("//body//*[@class or @id][self::p or self::h2 or self::div or self::span or self::h3]"):
        marks = (el.get("class") or "") + " " + (el.get("id") or "")
        if rules.STANDFIRST_CLASS_RE.search(marks) and normalise_space(el.text_content()) == want:
            return True
    return False


def clean_html(html: str, source: str, url: str | None = None) -> Article:
    """Extract the article from an HTML page; raise NoArticleFound when there is none."""
    import trafilatura

    html = _preclean(html)
    tree = _parse(html)
    if tree is None:
        raise NoArticleFound(source, "the page could not be parsed as HTML")
    meta = _metadata(tree, None)
    dates = _prune(tree)
    page_title = tree.find(".//title")
    page_title = normalise_space(page_title.text_content()) if page_title is not None else ""
    try:
        # Our own parse is handed over (trafilatura cleans a copy); its metadata pass is
        # skipped, as the page's tags are read above: together a third of its time.
        traf = trafilatura.bare_extraction(
            tree,
            url=url,
            favor_precision=True,
            include_comments=False,
            include_tables=True,
            with_metadata=False,
        )
    except (RecursionError, ValueError, etree.LxmlError):
        traf = None
    blocks = _traf_blocks(traf.body) if traf is not None and traf.body is not None else []
    if _words(blocks) < FALLBACK_WORDS:
        alt = _readability_blocks(html)
        if _words(alt) > _words(blocks):
            # Readability reads the page as sent: its printed dates go here, whole blocks or
            # the end of a line they share with the byline.
            blocks = [replace(b, text=_without_dates(b.text, dates)) for b in alt]
            blocks = [b for b in blocks if b.text]
    blocks = _social_embeds(tree, blocks)
    return finish_article(
        blocks,
        marked_standfirst=_marked_standfirst(tree, meta["description"], blocks),
        other_titles=(page_title,),
        source=source,
        title=meta["title"],
        byline=meta["byline"],
        site=meta["site"],
        published=meta["published"],
        url=url or meta["url"],
        standfirst=meta["description"],
    )
