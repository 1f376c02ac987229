"""One `briefing make` at a time per show: a file lock next to the state database.

A second run (cron firing while a slow backfill is still going) waits for the lock up to
`--wait` seconds, then stops with a message; it never interleaves with the first. The lock
is an OS lock (flock), so a run killed with SIGKILL releases it with its process.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from briefing.errors import BriefingError

log = logging.getLogger("briefing")

LOCK_NAME = "make.lock"
# Hidden files a run writes before renaming them into place (publish/feed.py, audio/episode.py,
# fetch.py); one left behind means a run was killed mid-write.
PARTIALS = (".*.part", ".*.untagged.mp3")


class RunLocked(BriefingError):
    """Another run holds the lock."""


@contextmanager
def run_lock(home: Path, output: Path, *, wait: float = 0) -> Iterator[None]:
    """Hold the show's run lock (in `home`); tidy what a killed earlier run left behind."""
    from filelock import FileLock, Timeout

    home.mkdir(parents=True, exist_ok=True)
    path = home / LOCK_NAME
    lock = FileLock(path)
    try:
        lock.acquire(timeout=max(wait, 0))
    except Timeout:
        waited = f" after waiting {wait:g} s" if wait > 0 else ""
        raise RunLocked(
            f"another `briefing make` is running for this show (lock {path} is held){waited}. "
            f"Let it finish, or pass --wait SECONDS to wait for it"
        ) from None
    try:
        remove_partials(home, output)
        yield
    finally:
        lock.release()


def remove_partials(home: Path, output: Path) -> None:
    """Delete temporary files of a run that was killed (only ever called under the lock)."""
    folders = [output, home / "cache" / "http"]
    if output.is_dir():
        folders += [p for p in output.iterdir() if p.is_dir()]
    for folder in folders:
        if not folder.is_dir():
            continue
        for pattern in PARTIALS:
            for tmp in folder.glob(pattern):
                log.debug("removing %s left by an interrupted run", tmp)
                Path(tmp).unlink(missing_ok=True)
