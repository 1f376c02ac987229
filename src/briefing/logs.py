"""Log lines on stderr that read well in a terminal, in cron mail and in the systemd journal.

One line per event, prefixed `briefing: warning:` and the like, so a cron mail reads as a short
list of what needs attention. Under systemd (JOURNAL_STREAM is set when stderr is the
journal) each line starts with its syslog priority (`<4>`), which journald turns into the
entry's priority, so `journalctl -p warning -u briefing` finds skipped sources; journald adds
the time and unit name itself.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from briefing.safe_text import terminal_safe

# syslog priorities for sd-daemon(3) prefixes
_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}


class _Stderr(logging.StreamHandler):
    """Always the current sys.stderr (click's test runner swaps it between invocations)."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass

    def emit(self, record: logging.LogRecord) -> None:
        # On a terminal a progress bar may be drawn on the current line without a line feed:
        # a log line starts by clearing it, and the bar redraws below at its next step.
        try:
            if self.stream.isatty():
                self.stream.write("\r\x1b[K")
        except (AttributeError, ValueError, OSError):
            pass
        super().emit(record)


class Formatter(logging.Formatter):
    def __init__(self, journal: bool):
        super().__init__()
        self.journal = journal

    def format(self, record: logging.LogRecord) -> str:
        message = " ".join(record.getMessage().split("\n"))  # one event, one line
        if record.exc_info:
            message += " | " + self.formatException(record.exc_info).replace("\n", " | ")
        # Messages quote page titles and file names: no escape sequence reaches the terminal.
        message = terminal_safe(message)
        if self.journal:
            return f"<{_PRIORITY.get(record.levelno, 6)}>{message}"
        return f"briefing: {record.levelname.lower()}: {message}"


def setup(level: int) -> None:
    """Send the `briefing` logger to stderr at `level`; other libraries only at warning."""
    journal = bool(os.environ.get("JOURNAL_STREAM")) and _stderr_is_journal()
    handler = _Stderr()
    handler.setFormatter(Formatter(journal))
    logger = logging.getLogger("briefing")
    for old in list(logger.handlers):
        if isinstance(old, _Stderr):
            logger.removeHandler(old)
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    # httpx logs every request at info; only its warnings matter to a producer.
    for noisy in ("httpx", "httpcore", "filelock"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def _stderr_is_journal() -> bool:
    """JOURNAL_STREAM is "device:inode" of the journal's stream; check it is our stderr."""
    try:
        device, inode = (int(x) for x in os.environ["JOURNAL_STREAM"].split(":"))
        st = os.fstat(sys.stderr.fileno())
    except (KeyError, ValueError, OSError, AttributeError):
        return False
    return (st.st_dev, st.st_ino) == (device, inode)


@contextmanager
def timed(stage: str) -> Iterator[None]:
    """Log how long `stage` took, at debug level (`briefing -v make` shows where a run's time goes).

    CPU time counts this process's threads and the encoders it waited for: above the wall time
    where the stage ran on several cores."""
    start, cpu = time.perf_counter(), _cpu()
    try:
        yield
    finally:
        logging.getLogger("briefing").debug("stage %s: %.2f s (cpu %.2f s)", stage, time.perf_counter() - start,
                                            _cpu() - cpu)


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system
