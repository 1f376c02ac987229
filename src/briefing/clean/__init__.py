"""Cleaning: a Document (HTML, or raw page text copied from a browser) into an Article.

In: `Document` (bytes, content type, kind). Out: `Article` (headline, byline, standfirst,
body blocks), or `NoArticleFound` / `SourceError` with the reason. `decode.py` decodes and
dispatches; `html.py` and `text.py` clean each kind; `blocks.py` holds what both share;
`rules.py` is the rules as data (selectors, clutter phrases), each with its reason.
"""

from briefing.clean.decode import article_to_dict, clean

__all__ = ["article_to_dict", "clean"]
