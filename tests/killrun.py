"""Run the real `briefing make` CLI, pausing at a chosen point so a test can SIGKILL it there.

Usage: python killrun.py [briefing args...], with BRIEFING_TEST_PAUSE_AT naming the point and
BRIEFING_TEST_MARKER a file to create when the process gets there. Only the pause is added;
everything else is the installed briefing.
"""

from __future__ import annotations

import os
import sys
import time
import types

POINT = os.environ.get("BRIEFING_TEST_PAUSE_AT", "")
MARKER = os.environ.get("BRIEFING_TEST_MARKER", "")


def pause(name: str) -> None:
    if POINT == name:
        with open(MARKER, "w") as f:
            f.write(name)
        time.sleep(600)


def wrap(owner, attr: str, name: str, *, after: bool = False, nth: int = 1) -> None:
    real = getattr(owner, attr)
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if not after and calls["n"] >= nth:
            pause(name)
        out = real(*args, **kwargs)
        if after and calls["n"] >= nth:
            pause(name)
        return out

    setattr(owner, attr, wrapper)


def install() -> None:
    from briefing import atomic
    from briefing.publish import feed
    from briefing.sources import fetch
    from briefing.audio import episode as mp3
    from briefing import state
    from briefing.speech.engines import silence

    wrap(fetch.Fetcher, "get", "fetching")                       # inside the read stage
    wrap(silence.SilenceEngine, "synthesize", "speaking", nth=3)  # mid-synthesis
    wrap(mp3, "encode_mp3", "mp3-written", after=True)            # MP3 in place, state not yet
    wrap(state, "upsert_episode", "state-uncommitted")            # articles recorded, not committed
    wrap(feed, "write", "state-committed")                        # state committed, feed not yet
    # Feed temp file written and synced, not yet renamed over feed.xml.
    # Every atomic write goes through briefing.atomic, so its `os` is where to wait.
    real_os = atomic.os
    proxy = types.SimpleNamespace(**{k: getattr(real_os, k) for k in dir(real_os) if not k.startswith("__")})

    def replace(src, dst):
        if str(dst).endswith("feed.xml"):
            pause("feed-temp-written")
        return real_os.replace(src, dst)

    proxy.replace = replace
    atomic.os = proxy


if __name__ == "__main__":
    install()
    from briefing.cli import cli

    cli(sys.argv[1:], prog_name="briefing")
