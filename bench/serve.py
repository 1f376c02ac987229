"""Requests per second from `briefing serve`, for a small file and an MP3 (not part of the tests).

The server runs in its own process (as `briefing serve` does), so the client here does not
share its interpreter lock. Three figures, each the median of RUNS runs, every run bounded in
count:
- small, kept alive: GETs of a 4 KB feed.xml over one HTTP/1.1 connection (what a podcast app
  refreshing a feed does; the case Nagle plus delayed ACK slowed to ~44 ms a request);
- small, fresh: the same with a new connection per request;
- mp3: full GETs of a 3 MB file over one connection (the throughput of the body loop).

    PYTHONPATH=src python bench/serve.py [--runs 5]

Only 127.0.0.1; the output folder is a temporary one made here.
"""

from __future__ import annotations

import argparse
import http.client
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SMALL_REQUESTS = 200
MP3_REQUESTS = 20
SERVER = """
import sys
from pathlib import Path
from briefing.publish.serve import make_server
s = make_server(Path(sys.argv[1]), "127.0.0.1", 0)
print(s.server_address[1], flush=True)
s.serve_forever()
"""


def _make_output(root: Path) -> None:
    (root / "feed.xml").write_bytes(b"<rss>" + b"x" * 4090 + b"</rss>")
    (root / "2026-01-01").mkdir()
    (root / "2026-01-01" / "briefing.mp3").write_bytes(os.urandom(3 * 1024 * 1024))


def _kept_alive(port: int, path: str, n: int) -> float:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    t = time.perf_counter()
    for _ in range(n):
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        assert r.status == 200, r.status
    elapsed = time.perf_counter() - t
    conn.close()
    return n / elapsed


def _fresh(port: int, path: str, n: int) -> float:
    t = time.perf_counter()
    for _ in range(n):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path)
        r = conn.getresponse()
        r.read()
        assert r.status == 200, r.status
        conn.close()
    return n / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _make_output(root)
        proc = subprocess.Popen([sys.executable, "-c", SERVER, str(root)], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True, env=os.environ.copy())
        try:
            port = int(proc.stdout.readline())
            results: dict[str, list[float]] = {"small, kept alive": [], "small, fresh": [], "mp3 (3 MB)": []}
            for _ in range(args.runs):
                results["small, kept alive"].append(_kept_alive(port, "/feed.xml", SMALL_REQUESTS))
                results["small, fresh"].append(_fresh(port, "/feed.xml", SMALL_REQUESTS))
                results["mp3 (3 MB)"].append(_kept_alive(port, "/2026-01-01/briefing.mp3", MP3_REQUESTS))
        finally:
            proc.terminate()
            proc.wait(10)
    for name, values in results.items():
        print(f"{name:18} median {statistics.median(values):8.1f} req/s  "
              f"(min {min(values):.1f}, max {max(values):.1f}, {args.runs} runs)")


if __name__ == "__main__":
    main()
