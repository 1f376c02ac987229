"""Fetching sources over HTTP: timeouts, a size cap, redirects limited, a named User-Agent."""

from __future__ import annotations

import httpx

from briefing import __version__
from briefing.errors import SourceError
from briefing.models import Document

USER_AGENT = f"briefing/{__version__} (+https://pypi.org/project/briefing/; podcast news briefing)"
# Connect fast or give up; a slow news site still answers within 20 s per read.
TIMEOUT = httpx.Timeout(20.0, connect=10.0)
MAX_REDIRECTS = 5
# Bigger than any article page; a larger (or decompressed) body is refused, not read.
MAX_BYTES = 20 * 1024 * 1024

HTML_TYPES = ("text/html", "application/xhtml+xml")
TEXT_TYPES = ("text/plain",)


def fetch(url: str, *, client: httpx.Client | None = None) -> httpx.Response:
    """GET `url` with the project's limits; raise SourceError with a reason a producer can act on."""
    own = client is None
    client = client or httpx.Client(
        timeout=TIMEOUT,
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"User-Agent": USER_AGENT},
    )
    try:
        with client.stream("GET", url) as response:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_BYTES:
                    raise SourceError(url, f"response is over {MAX_BYTES // 2**20} MB; not an article page")
            response._content = bytes(body)  # keep the capped body on the response
        if response.status_code >= 400:
            raise SourceError(url, f"server answered HTTP {response.status_code} {response.reason_phrase}")
        return response
    except httpx.TooManyRedirects as e:
        raise SourceError(url, f"more than {MAX_REDIRECTS} redirects (a redirect loop?)") from e
    except httpx.ConnectTimeout as e:
        raise SourceError(url, "timed out connecting; is the site up?") from e
    except httpx.TimeoutException as e:
        raise SourceError(url, "timed out waiting for the server") from e
    except httpx.ConnectError as e:
        raise SourceError(url, f"cannot connect ({e}); check the address and your network") from e
    except httpx.HTTPError as e:
        raise SourceError(url, f"HTTP error: {e}") from e
    finally:
        if own:
            client.close()


def fetch_document(url: str) -> Document:
    """Fetch an article page or raw text over HTTP(S)."""
    if not url.lower().startswith(("http://", "https://")):
        raise SourceError(url, "only http and https URLs can be fetched")
    response = fetch(url)
    ctype = response.headers.get("content-type", "")
    mime = ctype.split(";")[0].strip().lower()
    if mime and not (mime in HTML_TYPES or mime in TEXT_TYPES or mime.endswith("+xml") or mime.endswith("/xml")):
        raise SourceError(url, f"content type {mime} is not an article page (HTML or text); skipped")
    kind = "text" if mime in TEXT_TYPES else "html"
    return Document(source=url, content=response.content, content_type=ctype or None, url=str(response.url), kind=kind)
