"""Crash-safe file writes: a reader (or the next run after a SIGKILL) sees the old file or the
new one, never half of either.

Every file the project publishes or keeps as state goes through here: written to a hidden
temporary file beside its target, flushed to disk, then renamed over it.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

# Published files must be readable by whatever web server serves output/; mkstemp makes 0600.
PUBLIC = 0o644
# Hidden partial files start with "." and end with this; a run under the lock sweeps leftovers.
PART_SUFFIX = ".part"


@contextmanager
def replacing(path: Path, *, mode: int | None = PUBLIC, suffix: str = PART_SUFFIX) -> Iterator[Path]:
    """Yield a temporary path beside `path`; when the block ends cleanly, fsync it and rename
    it over `path`. On any error the temporary file is removed and `path` is untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".", suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_bytes(path: Path, data: bytes, *, mode: int | None = PUBLIC) -> Path:
    """Write `data` to `path` atomically."""
    with replacing(path, mode=mode) as tmp:
        tmp.write_bytes(data)
    return path


def write_text(path: Path, text: str, *, mode: int | None = PUBLIC) -> Path:
    """Write `text` as UTF-8 with Unix newlines to `path` atomically."""
    return write_bytes(path, text.encode("utf-8"), mode=mode)


@contextmanager
def removing_new_files(folder: Path, *, unless: Callable[[], bool] = lambda: False) -> Iterator[None]:
    """On an error in the block, delete the files it added to `folder` (and `folder` itself if
    the block made it), unless `unless()` says the work was kept anyway. Files that were there
    before are left alone: each was replaced whole or not at all."""
    there = set(folder.iterdir()) if folder.is_dir() else None
    try:
        yield
    except BaseException:
        if not unless() and folder.is_dir():
            for path in set(folder.iterdir()) - (there or set()):
                if path.is_file():
                    path.unlink(missing_ok=True)
            if there is None and not any(folder.iterdir()):
                folder.rmdir()
        raise
