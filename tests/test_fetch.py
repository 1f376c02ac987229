"""fetch.py against servers started on 127.0.0.1: limits, retries, cache, content types."""

from __future__ import annotations

import gzip
import time
import zlib

import pytest

from briefing.errors import SourceError
from briefing.sources.fetch import USER_AGENT, Fetcher, FetchOptions, document, kind_of
from localserver import LocalServer, closed_port, slow

FAST = FetchOptions(connect_timeout=2, read_timeout=0.5, retries=2, backoff=0.01, max_retry_wait=2)
PAGE = "<html><head><title>T</title></head><body><article><p>Hello there.</p></article></body></html>"


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


@pytest.fixture
def fetcher(tmp_path):
    with Fetcher(FetchOptions(**{**FAST.__dict__, "cache_dir": tmp_path / "http"})) as f:
        yield f


def reason(excinfo) -> str:
    return excinfo.value.reason


def test_a_page_is_fetched_with_a_user_agent_naming_the_tool(server, fetcher):
    url = server.page("/a", PAGE)
    got = fetcher.get(url)
    assert got.content == PAGE.encode()
    assert kind_of(got) == "html"
    assert server.requests[0].headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("briefing/")


def test_unreachable_host(fetcher):
    with pytest.raises(SourceError) as e:
        fetcher.get(f"http://127.0.0.1:{closed_port()}/story")
    assert reason(e).startswith("cannot connect")
    assert "is the site up?" in reason(e)


def test_dns_failure_names_the_host(fetcher):
    with pytest.raises(SourceError) as e:
        fetcher.get("http://no-such-site.invalid/story")
    assert reason(e) == "cannot find the host no-such-site.invalid (DNS lookup failed); check the address"


@pytest.mark.parametrize("route", ["headers-then-silence", "silence-before-headers"])
def test_slow_server_times_out_quickly(server, fetcher, route):
    if route == "headers-then-silence":
        server.routes["/slow"] = slow(3)
    else:
        server.routes["/slow"] = lambda req: (time.sleep(3), (200, {}, b""))[1]
    start = time.monotonic()
    with pytest.raises(SourceError) as e:
        fetcher.get(server.url("/slow"))
    assert time.monotonic() - start < 2.5
    assert reason(e) == "timed out waiting for the server (no data for 0.5 s)"


@pytest.mark.parametrize("status,phrase", [(404, "Not Found"), (410, "Gone"), (403, "Forbidden")])
def test_client_errors_are_not_retried(server, fetcher, status, phrase):
    url = server.page("/x", "<h1>nope</h1>", status=status)
    with pytest.raises(SourceError) as e:
        fetcher.get(url)
    assert reason(e) == f"the server answered HTTP {status} {phrase}"
    assert len(server.requests) == 1


def test_500_is_retried_then_reported(server, fetcher):
    url = server.page("/boom", "oops", status=500)
    with pytest.raises(SourceError) as e:
        fetcher.get(url)
    assert reason(e) == "the server answered HTTP 500 Internal Server Error"
    assert len(server.requests) == 3  # first try and two retries


def test_503_then_200_succeeds_honouring_retry_after(server, fetcher):
    answers = iter([(503, {"Retry-After": "1"}, b"busy"), (200, {"Content-Type": "text/html"}, PAGE.encode())])
    server.routes["/busy"] = lambda req: next(answers)
    start = time.monotonic()
    got = fetcher.get(server.url("/busy"))
    assert got.content == PAGE.encode()
    assert time.monotonic() - start >= 0.95  # waited as asked, not the 0.01 s backoff


def test_a_long_retry_after_skips_instead_of_waiting(server, fetcher):
    url = server.page("/later", "slow down", status=429, headers={"Retry-After": "3600"})
    start = time.monotonic()
    with pytest.raises(SourceError) as e:
        fetcher.get(url)
    assert time.monotonic() - start < 1
    assert reason(e) == "the server answered HTTP 429 and asks to retry in 3600 s; not waiting over 2 s"


def test_redirects_are_followed(server, fetcher):
    target = server.page("/final", PAGE)
    server.page("/old", "", status=301, headers={"Location": "/final"})
    got = fetcher.get(server.url("/old"))
    assert got.final_url == target and got.url == server.url("/old")


def test_redirect_loop(server, fetcher):
    server.page("/a", "", status=302, headers={"Location": "/b"})
    server.page("/b", "", status=302, headers={"Location": "/a"})
    with pytest.raises(SourceError) as e:
        fetcher.get(server.url("/a"))
    assert reason(e) == "more than 5 redirects (a redirect loop?)"
    assert len(server.requests) == 6


def test_a_redirect_to_another_scheme_is_refused(server, fetcher):
    server.page("/ftp", "", status=302, headers={"Location": "ftp://127.0.0.1/file"})
    with pytest.raises(SourceError) as e:
        fetcher.get(server.url("/ftp"))
    assert "only http and https URLs can be fetched" in reason(e)


@pytest.mark.parametrize("url", ["ftp://example.org/a", "file:///etc/passwd", "javascript:alert(1)"])
def test_only_http_and_https(fetcher, url):
    with pytest.raises(SourceError) as e:
        fetcher.get(url)
    assert "only http and https URLs can be fetched" in reason(e)


def test_a_100_megabyte_body_is_cut_off_at_the_cap(server, tmp_path):
    sent = []

    def huge(req):
        def chunks():
            block = b"<p>" + b"x" * 65530 + b"</p>"
            for _ in range(100 * 16):  # 100 MB, never held in memory by the server
                sent.append(len(block))
                yield block
        return 200, {"Content-Type": "text/html"}, chunks()

    server.routes["/huge"] = huge
    with Fetcher(FetchOptions(read_timeout=5, max_bytes=5 * 2**20)) as f, pytest.raises(SourceError) as e:
        f.get(server.url("/huge"))
    assert reason(e) == "the response is over 5 MB (after decompression); not an article page or feed"
    assert sum(sent) < 50 * 2**20  # the client stopped reading long before the end


def test_a_declared_100_megabyte_body_is_refused_before_reading(server, fetcher):
    server.routes["/big"] = lambda req: (200, {"Content-Type": "text/html", "Content-Length": str(100 * 2**20)},
                                         iter([b"<p>x</p>"]))
    with pytest.raises(SourceError) as e:
        fetcher.get(server.url("/big"))
    assert reason(e) == "the response is 100 MB, over the 20 MB limit; not an article page or feed"


def test_gzip_bomb_is_refused(server):
    # 256 MB of zeros compresses to about 250 kB; decompressed in bounded steps, it stops at the cap.
    bomb = zlib.compressobj(6, zlib.DEFLATED, 31)
    zeros = b"\0" * 2**20
    body = b"".join(bomb.compress(zeros) for _ in range(256)) + bomb.flush()
    assert len(body) < 2**20
    server.page("/bomb", body, headers={"Content-Encoding": "gzip"})
    with Fetcher(FetchOptions(read_timeout=5, max_bytes=8 * 2**20)) as f, pytest.raises(SourceError) as e:
        f.get(server.url("/bomb"))
    assert reason(e) == "the response is over 8 MB (after decompression); not an article page or feed"


def test_gzip_and_deflate_pages_are_decoded(server, fetcher):
    server.page("/gz", gzip.compress(PAGE.encode()), headers={"Content-Encoding": "gzip"})
    server.page("/df", zlib.compress(PAGE.encode()), headers={"Content-Encoding": "deflate"})
    assert fetcher.get(server.url("/gz")).content == PAGE.encode()
    assert fetcher.get(server.url("/df")).content == PAGE.encode()
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


def test_damaged_gzip_is_a_clear_error(server, fetcher):
    server.page("/bad", b"\x1f\x8b\x08\x00garbage-not-gzip", headers={"Content-Encoding": "gzip"})
    with pytest.raises(SourceError) as e:
        fetcher.get(server.url("/bad"))
    assert reason(e).startswith("the compressed response is damaged")


def test_conditional_requests_use_the_cache(server, fetcher):
    def route(req):
        if req.headers.get("if-none-match") == '"v1"':
            return 304, {"ETag": '"v1"'}, b""
        return 200, {"Content-Type": "text/html", "ETag": '"v1"', "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT"}, PAGE.encode()

    server.routes["/etag"] = route
    first = fetcher.get(server.url("/etag"))
    second = fetcher.get(server.url("/etag"))
    assert not first.from_cache and second.from_cache
    assert second.content == first.content and second.mime == "text/html"
    assert server.requests[1].headers["if-none-match"] == '"v1"'
    assert server.requests[1].headers["if-modified-since"] == "Mon, 01 Jan 2024 00:00:00 GMT"


def test_a_torn_cache_entry_is_ignored(server, fetcher, tmp_path):
    server.page("/e", PAGE, headers={"ETag": '"x"'})
    fetcher.get(server.url("/e"))
    (body,) = (tmp_path / "http").glob("*.body")
    body.write_bytes(b"half")  # as if killed between writing body and metadata
    server.routes["/e"] = lambda req: (304, {}, b"") if "if-none-match" in req.headers else (200, {"Content-Type": "text/html"}, PAGE.encode())
    got = fetcher.get(server.url("/e"))
    assert got.content == PAGE.encode() and not got.from_cache
    assert "if-none-match" not in server.requests[-1].headers


@pytest.mark.parametrize("ctype,what", [
    ("application/pdf", "a PDF"), ("image/jpeg", "an image"), ("image/png", "an image"),
    ("video/mp4", "a video"), ("application/zip", "a zip archive"),
])
def test_non_article_content_types_are_skipped_with_a_reason(server, fetcher, ctype, what):
    url = server.page("/file", b"%PDF-1.4 binary", content_type=ctype)
    with pytest.raises(SourceError) as e:
        document(fetcher.get(url))
    assert reason(e) == f"the link is {what} ({ctype}), not an article page or feed; skipped"


@pytest.mark.parametrize("ctype,body,kind", [
    ("text/html; charset=utf-8", PAGE, "html"),
    ("application/xhtml+xml", PAGE, "html"),
    ("text/plain", "Just text.", "text"),
    ("application/rss+xml", "<?xml version='1.0'?><rss></rss>", "feed"),
    ("application/atom+xml", "<?xml version='1.0'?><feed></feed>", "feed"),
    ("text/xml", "<?xml version='1.0'?><rss></rss>", "feed"),
    ("", "<!doctype html><html><body>x</body></html>", "html"),
    ("application/octet-stream", "<?xml version='1.0'?><rss version='2.0'></rss>", "feed"),
])
def test_kinds_by_content_type_and_sniffing(server, fetcher, ctype, body, kind):
    headers = {}
    url = server.page("/k", body, content_type=ctype, headers=headers)
    if not ctype:
        server.routes["/k"] = lambda req: (200, {}, body.encode())
    assert kind_of(fetcher.get(url)) == kind
