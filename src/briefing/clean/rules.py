"""Rules for the cleaning stage, kept as ordered, commented data.

The code in `clean_html.py` and `clean_text.py` applies these; nothing here names a site.
Each rule carries a line on why it is there. Thresholds say how they were chosen: all were
set on the development pages in ../shared/bench/extraction and checked not to help a single
page only (the benchmark keeps further pages aside for judging).
"""

from __future__ import annotations

import re

# --- Input limits -------------------------------------------------------------------------

# Largest decoded page the cleaner parses. Real article pages are under 1 MB of HTML once
# scripts, styles and inline data are dropped; a 50 MB page is a mistake or an attack, and
# parsing all of it costs seconds and hundreds of MB. The article is near the top anyway.
MAX_HTML_CHARS = 2_000_000
# Raw page text: the same reasoning, in characters of text.
MAX_TEXT_CHARS = 3_000_000
# Gzip-compressed input is inflated up to this many bytes, no more (a "zip bomb" guard).
MAX_INFLATED_BYTES = 64_000_000
# Bytes given to charset detection: enough to see the language, bounded for big pages.
CHARSET_SAMPLE_BYTES = 200_000

# --- Binary input -------------------------------------------------------------------------

# Magic numbers of files producers hand in by mistake, with the name used in the error.
BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),  # saved a PDF link as .html
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"RIFF", "a RIFF (WebP/WAV/AVI) file"),
    (b"PK\x03\x04", "a ZIP archive (or a Word/EPUB document)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document"),
    (b"ID3", "an MP3 audio file"),
    (b"\x7fELF", "an executable"),
    (b"OggS", "an Ogg audio file"),
    (b"\x00\x00\x00\x18ftyp", "an MP4 video"),
    (b"\x00\x00\x00\x20ftyp", "an MP4 video"),
)
# Share of control characters (other than tab/newline/CR/form feed) above which decoded
# "text" is taken to be binary. Text in any real encoding has next to none; binary has many.
MAX_CONTROL_SHARE = 0.02
# Bytes that are not valid UTF-8 are taken as a few stray bytes in a UTF-8 file (replaced, with
# a warning) when valid non-ASCII characters outnumber them this many times. A legacy 8-bit
# file has next to no valid multi-byte sequences (its accented letters and curly quotes are
# single bytes that UTF-8 rejects), so 10 to 1 keeps both kinds apart with a wide margin.
MOSTLY_UTF8_RATIO = 10

# --- HTML: elements dropped before extraction ---------------------------------------------

# XPath of elements never narrated, removed before trafilatura and readability see the page.
# Class/id words are matched as whole tokens of the attribute, lower-cased.
HTML_DROP_TAGS = (
    "script", "style", "noscript", "template", "svg", "iframe", "object", "embed", "canvas",
    "form",  # newsletter sign-ups, search boxes, comment forms
    "button", "select", "input", "textarea",  # controls are read as stray words
    "figcaption",  # captions and photo credits describe a picture the listener cannot see
)

# Elements a reader never sees in the text flow, removed (keeping the text after them)
# before extraction: hidden elements, and hover cards that pages put inside a paragraph
# next to a linked name (a photo, the name again and headlines of other stories).
HTML_HIDDEN_XPATH = (
    "//*[@hidden or @aria-hidden='true' or contains(translate(@style, ' ', ''), 'display:none')]"
    "[not(self::html or self::body)]"
)
# Elements that name the article's author: rel=author links, schema.org itemprop, and class
# words pages use ("author", "author-name", "byline", "article__byline"). Read for the byline
# (first three only: later ones are related stories' authors).
BYLINE_XPATH = (
    '(//*[@rel="author" or contains(@itemprop, "author") or contains(@class, "byline")'
    ' or contains(@class, "author")])[position() <= 3]'
)
# The article's date as the page prints it: <time> on a line of its own and dateline
# elements. The date is read from their datetime attribute (metadata), and the printed
# "1 December 2026, 08:00" is not narrated as a paragraph. A <time> inside a sentence
# ("on <time>Monday</time>") is kept: only one that is its paragraph's whole text goes.
DATELINE_XPATH = (
    "//body//time | //body//*[self::p or self::div or self::span]"
    "[contains(@class, 'dateline') or contains(@class, 'timestamp') or contains(@class, 'publish-date')"
    " or contains(@class, 'pubdate')]"
)
DATELINE_MAX_WORDS = 10  # "Published on Monday 1 December 2026, 08:00 GMT" is 8 words

HOVER_CARD_CLASS_RE = re.compile(r"(^|[\s_-])(tooltip|popover|rollover|hover-?card)(-block|-content|-card|-box)?($|\s)", re.IGNORECASE)

# Class words of embedded social posts (tweets, Instagram posts) that the story quotes.
# Extractors drop them as widgets; the text of the post and its "— Name (@handle) date"
# line are part of the story where they sit between its paragraphs.
SOCIAL_EMBED_CLASS_RE = re.compile(r"\b(twitter-tweet|instagram-media|tiktok-embed)\b")

# Class or id words of the element that holds a standfirst (sub-headline) in a page. A body
# block equal to the page's description is read as the standfirst (and not in the body)
# only when the page marks it so; otherwise it is the lede and stays in the body (pages
# often copy their first paragraph into the description).
STANDFIRST_CLASS_RE = re.compile(
    r"(standfirst|stand-first|dek\b|deck\b|sub-?title|sub-?head(line)?|strapline|excerpt|"
    r"summary|description|article-intro|teaser-text)",
    re.IGNORECASE,
)

# --- Blocks dropped after extraction (both inputs) -----------------------------------------

# A block whose whole text matches one of these is clutter, not story. Ordered by how often
# they turned up on the development pages. Each must match the *whole* block so a sentence
# in the story that merely contains "subscribe" is kept.
CLUTTER_BLOCKS: tuple[tuple[str, str], ...] = (
    (r"\[?\s*(see|read) (also|more)\s*:.*\]?", "inline related-article links"),
    (r"(read|see|watch|listen)\s+(more|next|also|the rest|the full story|the full article)\b.{0,120}", "link prompts"),
    (r"related( (articles?|stories|posts|content|coverage|reading|topics?))?\s*:?.{0,120}", "related-links heads"),
    (r"(advertisement|advert|sponsored( content)?|ad|ads|story continues below( advertisement)?)\.?", "ad labels"),
    (r"(share|share this|share on \w+|tweet|email|print|copy link|comments?|\d+ comments?)( (this|the) (article|story|post))?\s*[:.]?", "share bar words"),
    (r"(sign up|subscribe|register|log ?in|sign in)( (now|today|here|free|for free))?( (to|for) (our|the|my) (\w+ )?(newsletters?|emails?|updates|alerts))?[.!:]?", "sign-up buttons"),
    (r"(get|join|sign up for|subscribe to) (our|the) .{0,40}(newsletter|mailing list).{0,80}", "newsletter prompts"),
    (r".{0,60}\b(cookies?|privacy (policy|notice)|terms (of|and) (use|service|conditions))\b.{0,200}\b(accept|consent|agree|more information|personal data|learn more|manage)\b.{0,120}", "cookie and privacy notices"),
    (r"(photo|image|picture|video|illustration|graphic)s?\s*(credit)?\s*:.{0,150}", "photo credits"),
    (r"(credit|source|photograph|photography)\s*:.{0,100}", "credits"),
    (r".{0,80}(/|\(|:|\bphoto(graph)?:?|\bcredit:?)\s*(getty images|reuters|afp|ap photo|ap|pa|epa|shutterstock|istock|alamy)( via .{0,40})?\)?\.?", "agency photo credits: the agency after a slash, bracket or colon"),
    (r"(©|\(c\)|copyright)\s.{0,160}", "copyright lines"),
    (r"all rights reserved\.?.{0,60}", "copyright lines"),
    (r"(topics|tags|filed under|categories|more on|more about)( in this (article|story|post))?\s*:.{0,200}", "tag lists"),
    (r"content from our partners|from our partners|partner content|promoted (content|stories)|recommended( for you)?|you (may|might) (also )?like.{0,40}|more from .{0,40}|most (read|popular|viewed)|trending( now)?|don't miss.{0,40}", "recommendation heads"),
    (r"(follow|like) (us|me|\w+) on .{0,80}", "social prompts"),
    (r"(click|tap) here.{0,120}", "link prompts"),
    (r"(leave|post|add|view|show|load) (a |the |all |more )?(comments?|reply|replies).{0,40}", "comment prompts"),
    (r"this (article|story|post) (was|has been|is) (originally |first )?(published|updated|amended|corrected).{0,160}", "publication notes"),
    (r"(updated|published|posted|last (updated|modified))\s*:?.{0,60}", "date lines"),
    (r"(we use cookies|this (site|website) uses cookies).{0,300}", "cookie banners"),
    (r"(support|donate to) (our|independent) (journalism|reporting).{0,200}", "donation pleas"),
    (r"(reporting|editing|additional reporting|writing) by .{0,120}", "wire-copy credits"),
    (r"(did you )?(like|enjoy|liked|enjoyed) this (article|story|post|page)\s*\??", "share prompts"),
    # "Jane Doe is a freelance writer based in Toronto. Her work has appeared in ...": the
    # author box under a story. A story paragraph rarely opens by calling someone a writer.
    (r"((?-i:[A-Z])[\w'’.\-]+ ){1,4}(is|was) (an? |the )?([\w\-]+ ){0,6}(writer|reporter|journalist|editor|correspondent|contributor|columnist|author|blogger)\b.{0,400}", "author bio boxes"),
)

# Phrases that mark a block as clutter when they appear anywhere in a block of at most
# STRONG_PHRASE_WORDS words: small print that story text almost never contains.
STRONG_CLUTTER_PHRASES: tuple[tuple[str, str], ...] = (
    ("enter your email", "sign-up forms"),
    ("privacy policy", "privacy small print"),
    ("terms of use", "legal footer"),
    ("terms of service", "legal footer"),
    ("cookie policy", "cookie banner"),
    ("all rights reserved", "copyright footer"),
    ("enable javascript", "'please enable JavaScript' notices"),
    ("javascript is disabled", "'please enable JavaScript' notices"),
    ("ad blocker", "ad-block notices"),
    ("adblock", "ad-block notices"),
    ("already a subscriber", "paywall prompts"),
    ("already have an account", "paywall prompts"),
    ("for more information about our services", "privacy small print"),
    ("comments are closed", "comment sections"),
    ("join the conversation", "comment sections"),
    ("download the app", "app promotion"),
)
# Sign-up blurbs run to about 60 words; story paragraphs quoting these phrases are longer.
STRONG_PHRASE_WORDS = 60

# Phrases that mark a block as clutter only in a very short block (a button, a link, a
# label) that does not read as a sentence: a story can say "sign up for" or "most popular".
WEAK_CLUTTER_PHRASES: tuple[tuple[str, str], ...] = (
    ("sign up", "sign-up buttons"),
    ("subscribe", "subscription buttons"),
    ("newsletter", "newsletter boxes"),
    ("share this", "share prompts"),
    ("share on", "share prompts"),
    ("follow us", "social prompts"),
    ("click here", "link prompts"),
    ("read more", "link prompts"),
    ("see also", "link prompts"),
    ("related articles", "related links"),
    ("most popular", "recommendations"),
    ("most read", "recommendations"),
    ("sponsored", "ad labels"),
    ("advertisement", "ad labels"),
    ("free trial", "subscription prompts"),
    ("your email address", "sign-up forms"),
    ("©", "copyright lines"),
    ("leave a comment", "comment prompts"),
)
# Chosen so labels and buttons (1-10 words) are caught and one-line sentences are not.
WEAK_PHRASE_WORDS = 10

COMPILED_CLUTTER_BLOCKS = tuple(
    (re.compile(r"^\s*(?:" + pattern + r")\s*$", re.IGNORECASE | re.DOTALL), why)
    for pattern, why in CLUTTER_BLOCKS
)

# --- Bylines --------------------------------------------------------------------------------

# A line that is a byline: "By Jane Doe", "By Jane Doe and John Roe", "Words by ...".
# Names are 1-5 capitalised words (allowing initials, hyphens, apostrophes, particles).
_NAME = r"[A-Z][\w'’.\-]*(?:\s+(?:de|da|van|von|der|la|le|del|di|bin|al|[A-Z][\w'’.\-]*)){0,4}"
BYLINE_RE = re.compile(
    r"^\s*(?:written\s+by|words\s+by|reported\s+by|by)\s*:?\s+"
    r"(" + _NAME + r"(?:\s*(?:,|and|&)\s*" + _NAME + r")*)"
    r"\s*(?:[|,\-–—•]\s*.{0,80})?$",
    re.IGNORECASE,
)
# Lower-case words allowed inside a byline's names: particles and joiners.
BYLINE_LOWER_WORDS = frozenset("de da van von der la le del di bin al and".split())
# Words that follow "By" in a line that is not a byline ("By 7 January, the military ...").
BYLINE_NOT_NAMES = frozenset(
    "the a an this that these those his her their our its my your one two three all some "
    "most many more far late early then now contrast comparison law definition way means "
    "nature default design".split()
)

# --- Raw page text: line classification -----------------------------------------------------

# Common English function words. Body text runs at 35-55% stop words; menus, job lists,
# headlines and tags run at 0-20% (Kohlschütter et al., "Boilerplate detection using shallow
# text features", and jusText use the same signal).
STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just me more most my myself no nor not now of off on once only
    or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until
    up very was we were what when where which while who whom why will with would you your
    yours yourself yourselves said says one would could new""".split()
)

# Languages whose stop lists (jusText's) are tried on raw page text; the one covering most
# words is the page's language. English first: it wins ties. Widely published languages
# only, to keep the check fast (each list is a set lookup per word).
STOPLIST_LANGUAGES = (
    "English", "Spanish", "Portuguese", "French", "German", "Italian", "Dutch", "Swedish",
    "Danish", "Norwegian_Bokmal", "Polish", "Czech", "Russian", "Ukrainian", "Turkish",
    "Indonesian", "Romanian", "Hungarian", "Finnish", "Greek",
)

# Lines of raw text that are page furniture wherever they appear (whole-line match).
TEXT_FURNITURE: tuple[tuple[str, str], ...] = (
    (r"[•·▪●◦‣∙\-–—*|>»›]+", "a bullet or separator alone"),
    (r"(home|menu|search|close|skip to (main )?content|skip navigation|toggle navigation|navigation|open menu|more|back to top|top|next|previous|prev|next article|previous article|load more|show more|view all|see all)\s*[»›>]*", "navigation words"),
    (r"\d+\s*(comments?|replies|shares?|views?|likes?|min(ute)?s? read|minute read)", "counters"),
    (r"(updated\s+)?(\d+\s*)?(min(ute)?s?|hours?|days?|weeks?|months?|years?|[smhd]) ago", "relative timestamps"),
    (r"(first |last )?(published|posted|updated|modified)( on| at)?\s*:?\s*.{0,40}\d.{0,30}", "publication date lines"),
    (r"(jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?|nov(ember)?|dec(ember)?)\.? \d{1,2},? \d{4}.{0,40}", "date lines"),
    (r"\d{1,2} (jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sep(t(ember)?)?|oct(ober)?|nov(ember)?|dec(ember)?)\.? \d{4}.{0,40}", "date lines"),
    (r"\d{4}-\d{2}-\d{2}.{0,30}", "ISO date lines"),
    (r".{0,150}\(\d{1,2}:\d{2}(:\d{2})?\)", "video teasers ending in their running time"),
    (r"(mon|tues|wednes|thurs|fri|satur|sun)day,? .{0,40}\d{4}.{0,30}", "date lines"),
)
COMPILED_TEXT_FURNITURE = tuple(
    (re.compile(r"^\s*(?:" + pattern + r")\s*$", re.IGNORECASE), why) for pattern, why in TEXT_FURNITURE
)

# Bullet characters that open a list item line in copied page text.
BULLET_RE = re.compile(r"^\s*[•·▪●◦‣∙]\s*")
