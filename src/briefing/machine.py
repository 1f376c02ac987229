"""What this machine lends a run: the cores this process may use (synthesis pools, the limiter,
the encoder's parts all size themselves by it)."""

from __future__ import annotations

import os


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
