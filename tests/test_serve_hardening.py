"""`serve` against a hostile client: a real server on 127.0.0.1, raw sockets for what
http.client would never send."""

from __future__ import annotations

import http.client
import logging
import socket
import threading
import time

import pytest

from briefing.publish.serve import LISTEN_QUEUE, log_safe, make_server, parse_range

DATA = bytes(range(256)) * 64  # 16 KB


@pytest.fixture
def server(tmp_path):
    """A server for a small output/ with short limits, run on a thread; yields (port, server)."""
    (tmp_path / "feed.xml").write_text("<rss>feed</rss>")
    (tmp_path / "a.mp3").write_bytes(DATA)
    httpd = make_server(tmp_path, "127.0.0.1", 0, max_connections=4, connection_timeout=1.0, slot_wait=0.3)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        yield httpd.server_address[1], httpd
    finally:
        httpd.shutdown()
        httpd.server_close()


def _raw(port: int, data: bytes, *, wait: float = 3.0) -> bytes:
    """Send `data` on a fresh socket and read until the server closes or `wait` passes."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(data)
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
        except TimeoutError:
            pass
        return out


def test_huge_range_numbers_get_416_not_a_traceback(server):
    port, _ = server
    digits = "9" * 5000
    reply = _raw(port, f"GET /a.mp3 HTTP/1.1\r\nHost: x\r\nRange: bytes={digits}-\r\nConnection: close\r\n\r\n".encode())
    assert reply.startswith(b"HTTP/1.1 416 ")
    assert f"Content-Range: bytes */{len(DATA)}".encode() in reply
    # a huge end or suffix is just "to the end"
    assert parse_range(f"bytes=10-{digits}", 100) == (10, 99)
    assert parse_range(f"bytes=-{digits}", 100) == (0, 99)
    assert parse_range("bytes=\u0661-", 100) is None  # only ASCII digits count


@pytest.mark.parametrize("line", [b"GARBAGE\r\n\r\n", b"GET /feed.xml\r\n\r\n", b"GET / HTTP/9\r\n\r\n"])
def test_garbage_and_http09_get_a_plain_400_with_a_status_line(server, line):
    port, _ = server
    reply = _raw(port, line)
    assert reply.startswith((b"HTTP/1.0 400 ", b"HTTP/1.1 400 ")), reply
    assert b"Content-Type: text/plain" in reply and b"<html" not in reply.lower()
    assert b"feed" not in reply.split(b"\r\n\r\n", 1)[1]


def test_a_body_sent_with_get_is_not_read_as_a_second_request(server):
    port, _ = server
    smuggled = b"GET /a.mp3 HTTP/1.1\r\nHost: x\r\n\r\n"
    req = (b"GET /feed.xml HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(smuggled) + smuggled
           + b"GET /feed.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    reply = _raw(port, req)
    assert reply.count(b"HTTP/1.1 200 ") == 2
    assert DATA[:100] not in reply  # the smuggled request was dropped, not served
    big = _raw(port, b"GET /feed.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n")
    assert big.startswith(b"HTTP/1.1 413 ")
    chunked = _raw(port, b"GET /feed.xml HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
    assert chunked.startswith(b"HTTP/1.1 400 ")


def test_a_stalled_request_is_closed_after_the_timeout(server):
    port, _ = server
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"GET /feed.xml HTTP/1.1\r\nHost: x\r\n")  # never finished
        t = time.monotonic()
        assert s.recv(100) == b""  # closed by the server
        assert time.monotonic() - t < 5


def test_held_connections_are_bounded_and_the_rest_get_503(server):
    port, httpd = server
    before = threading.active_count()
    held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(10)]
    try:
        for s in held:
            s.sendall(b"GET /feed.xml HTTP/1.1\r\n")  # partial: each holds its slot
        time.sleep(0.3)
        assert threading.active_count() - before <= httpd.max_connections
        replies = []
        for s in held[4:]:
            try:
                replies.append(s.recv(200))
            except TimeoutError:
                replies.append(b"")
        assert any(r.startswith(b"HTTP/1.1 503 ") for r in replies)
    finally:
        for s in held:
            s.close()
    # once the holders time out, the server answers again
    time.sleep(1.5)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.request("GET", "/feed.xml")
    assert conn.getresponse().status == 200
    conn.close()


def test_listen_queue_is_larger_than_the_default(server):
    _, httpd = server
    assert httpd.request_queue_size == LISTEN_QUEUE >= 128


def test_headers_and_a_small_body_arrive_in_one_segment_and_fast(server):
    port, _ = server
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    conn.connect()
    t = time.perf_counter()
    for _ in range(20):
        conn.request("GET", "/feed.xml")
        r = conn.getresponse()
        assert r.read() == b"<rss>feed</rss>"
    # Nagle plus delayed ACK made each of these ~44 ms; 20 of them took ~0.9 s
    assert time.perf_counter() - t < 0.5
    conn.close()


def test_control_characters_are_escaped_in_the_log(server, caplog):
    port, _ = server
    caplog.set_level(logging.INFO, logger="briefing.publish.serve")
    _raw(port, b"GET /x\x1b[2J\x07 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    _raw(port, b"GET /\x1b]0;owned\x07 HTTP/1.1\r\n\r\n")
    time.sleep(0.1)
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "briefing.publish.serve")
    assert "\\x1b[2J\\x07" in text
    assert "\x1b" not in text and "\x07" not in text
    assert log_safe("a\r\nb\x85") == "a\\x0d\\x0ab\\x85"


def test_a_request_head_trickled_in_is_cut_at_the_deadline(tmp_path):
    (tmp_path / "feed.xml").write_text("<rss>feed</rss>")
    httpd = make_server(tmp_path, "127.0.0.1", 0, connection_timeout=1.0, head_deadline=1.5)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        port = httpd.server_address[1]
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET /feed.xml HTTP/1.1\r\n")
            t = time.monotonic()
            closed = False
            while time.monotonic() - t < 6:
                try:
                    s.sendall(b"X")  # one byte every 0.3 s: never idle for the 1 s timeout
                except OSError:
                    closed = True
                    break
                time.sleep(0.3)
            if not closed:
                s.settimeout(0.5)
                try:
                    closed = s.recv(100) == b""
                except (TimeoutError, OSError):
                    closed = False
            assert closed and time.monotonic() - t < 4
        # a client that sends its head in time gets a reply however long it then takes to read
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        conn.request("GET", "/feed.xml")
        r = conn.getresponse()
        time.sleep(2)
        assert r.read() == b"<rss>feed</rss>"
        conn.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
