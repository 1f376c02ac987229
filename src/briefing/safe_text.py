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


def one_line(text: str | None) -> str:
    """`xml_safe` text on one line with runs of whitespace collapsed: for titles and names."""
    return _SPACE.sub(" ", xml_safe(text)).strip()
