"""`briefing serve` as a podcast app meets it: a real server process on 127.0.0.1."""

from __future__ import annotations

import http.client
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from briefing.cli import cli
from briefing.publish.serve import parse_range
from conftest import write_show

ARTICLE = """<!doctype html><html><head><title>Harbour bridge reopens | Coast News</title></head>
<body><article><h1>Harbour bridge reopens after repairs</h1><p class="byline">By Ana Ruiz</p>
<p>The harbour bridge reopened to traffic on Monday after three months of repairs to its
steel deck, the city council said.</p>
<p>“We are delighted to have the bridge back,” said Maria Lopez, the council's head of
transport. “Drivers will notice a much smoother crossing.”</p>
<p>The work cost less than expected and finished a week early.</p></article></body></html>"""


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """An output/ made by `briefing make`, served by `briefing serve --port 0` in a subprocess.

    Module-scoped: one episode and one server for every request test here."""
    tmp_path = tmp_path_factory.mktemp("serve")
    home = tmp_path / "home"
    show = tmp_path / "show"
    cfg = write_show(show)
    (show / "sources" / "bridge.html").write_text(ARTICLE, "utf-8")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "make", "--date", "2026-11-20"],
                                env={"BRIEFING_HOME": str(home)})
    assert result.exit_code == 0, result.output
    out = show / "output"
    # things that must stay unreachable
    (tmp_path / "secret.txt").write_text("top secret")
    os.symlink(tmp_path / "secret.txt", out / "escape.txt")
    os.symlink(tmp_path, out / "escape-dir")
    (out / ".hidden.part").write_text("half written")
    (out / "bare").mkdir()  # a folder with no page
    (out / "bare" / "a.txt").write_text("a file in it")

    env = {**os.environ, "BRIEFING_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefing", "--config", str(cfg), "serve", "--host", "127.0.0.1", "--port", "0"],
        # stderr (one log line per request) to a file: an unread pipe could fill and stall the server
        stdout=subprocess.PIPE, stderr=(tmp_path / "serve.log").open("w"), env=env, text=True,
    )
    try:
        # A thread reads stdout: select() on a buffered pipe misses lines already buffered.
        q: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [q.put(line.strip()) for line in proc.stdout], daemon=True).start()
        seen: list[str] = []
        while not any(line.startswith("Subscribe to ") for line in seen):
            try:
                seen.append(q.get(timeout=30))
            except queue.Empty:
                pytest.fail(f"server did not start: {proc.poll()=}, {seen}, {(tmp_path / 'serve.log').read_text()}")
        lines = seen
        feed_url = next(line for line in lines if line.startswith("Subscribe to ")).removeprefix("Subscribe to ")
        yield out, feed_url, lines
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _request(url_base: str, method: str, path: str, headers: dict | None = None):
    host, port = url_base.removeprefix("http://").split("/")[0].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request(method, path, headers=headers or {})  # the path goes out exactly as given
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def test_serve_prints_the_feed_url_and_serves_it(served):
    out, feed_url, lines = served
    assert feed_url.startswith("http://127.0.0.1:") and feed_url.endswith("/feed.xml")
    assert lines[0] == f"Serving {out} at {feed_url.removesuffix('feed.xml')}"
    status, headers, body = _request(feed_url, "GET", "/feed.xml")
    assert status == 200
    assert headers["Content-Type"] == "application/rss+xml; charset=utf-8"
    assert body == (out / "feed.xml").read_bytes()
    assert not feedparser.parse(body).bozo


def test_enclosure_supports_head_and_byte_ranges(served):
    out, feed_url, _ = served
    path = "/2026-11-20/briefing-2026-11-20.mp3"
    data = (out / path.lstrip("/")).read_bytes()
    size = len(data)

    status, headers, body = _request(feed_url, "HEAD", path)
    assert status == 200 and body == b""
    assert headers["Content-Length"] == str(size)
    assert headers["Content-Type"] == "audio/mpeg" and headers["Accept-Ranges"] == "bytes"

    status, headers, body = _request(feed_url, "GET", path, {"Range": "bytes=1000-4999"})
    assert status == 206
    assert headers["Content-Range"] == f"bytes 1000-4999/{size}" and headers["Content-Length"] == "4000"
    assert body == data[1000:5000]

    status, headers, body = _request(feed_url, "GET", path, {"Range": "bytes=-500"})
    assert (status, body) == (206, data[-500:])
    status, headers, body = _request(feed_url, "GET", path, {"Range": f"bytes={size - 10}-"})
    assert (status, body) == (206, data[-10:])
    status, headers, body = _request(feed_url, "GET", path, {"Range": f"bytes=0-{size * 2}"})
    assert (status, headers["Content-Range"], body) == (206, f"bytes 0-{size - 1}/{size}", data)

    status, headers, _ = _request(feed_url, "GET", path, {"Range": f"bytes={size}-"})
    assert status == 416 and headers["Content-Range"] == f"bytes */{size}"

    status, _, body = _request(feed_url, "GET", path)
    assert (status, body) == (200, data)


@pytest.mark.parametrize("name, ctype", [
    ("cover.jpg", "image/jpeg"),
    ("2026-11-20/briefing-2026-11-20.vtt", "text/vtt; charset=utf-8"),
    ("2026-11-20/briefing-2026-11-20.chapters.json", "application/json; charset=utf-8"),
])
def test_side_files_have_the_content_types_apps_expect(served, name, ctype):
    out, feed_url, _ = served
    status, headers, body = _request(feed_url, "GET", "/" + name)
    assert (status, headers["Content-Type"], body) == (200, ctype, (out / name).read_bytes())


@pytest.mark.parametrize("path", [
    "/../secret.txt",
    "/2026-11-20/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/%2E%2E%2Fsecret.txt",
    "/2026-11-20/..%2f..%2fsecret.txt",
    "/..%5csecret.txt",
    "/escape.txt",               # symlink to a file outside output/
    "/escape-dir/secret.txt",    # symlink to a folder outside output/
    "/.hidden.part",             # temporaries are never served
    "/bare/",                    # no directory listings: a folder is its index.html or nothing
    "/bare",
    "/escape-dir/",
    "/2026-11-20/briefing-2026-11-20.mp3/",
    "/nope.mp3",
    "/feed.xml%00.txt",
])
def test_nothing_outside_output_is_reachable(served, path):
    _, feed_url, _ = served
    status, _, body = _request(feed_url, "GET", path)
    assert status == 404, path
    assert b"secret" not in body


def test_range_parsing_edge_cases():
    assert parse_range(None, 100) is None
    assert parse_range("bytes=0-0", 100) == (0, 0)
    assert parse_range("bytes=90-", 100) == (90, 99)
    assert parse_range("bytes=-0", 100) is False
    assert parse_range("bytes=-200", 100) == (0, 99)
    assert parse_range("bytes=100-", 100) is False
    assert parse_range("bytes=5-2", 100) is None        # invalid: ignored, whole file
    assert parse_range("bytes=0-1,5-6", 100) is None    # multiple ranges: whole file
    assert parse_range("items=0-1", 100) is None


def test_serve_without_output_says_what_to_do(tmp_path):
    cfg = write_show(tmp_path)
    result = CliRunner().invoke(cli, ["--config", str(cfg), "serve", "--port", "0"])
    assert result.exit_code == 1
    assert f"Error: {tmp_path / 'output'} does not exist yet. Run `briefing make` first" in result.output
