"""Peak resident memory of a command and all its descendants, sampled from /proc."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Sequence

PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(name))
    return kids


def tree_rss(pid: int) -> int:
    """Bytes resident in `pid` and its descendants now (shared pages counted in each: an upper bound)."""
    kids = _children()
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(kids.get(p, []))
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
        except OSError:
            pass
    return total


def run(cmd: Sequence[str], *, env: dict | None = None, cwd: str | None = None, interval: float = 0.05,
        also: Sequence[int] | None = None) -> tuple[float, int, subprocess.CompletedProcess]:
    """Run `cmd`; (wall seconds, peak tree RSS in bytes, the completed process).

    `also`: other processes (e.g. a cluster serving the command) whose trees count too."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(list(cmd), env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss(proc.pid) + sum(tree_rss(p) for p in (also or ())))
            stop.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    return wall, peak, subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
