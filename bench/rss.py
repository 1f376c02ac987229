"""Peak memory of a command and all its descendants, sampled from /proc.

Two figures per sample, summed over the process tree:
- RSS: resident pages of each process; pages shared between processes (the interpreter and
  libraries a forked worker shares with its parent) are counted once per process, so the sum
  is an upper bound;
- PSS (proportional set size, /proc/PID/smaps_rollup): each shared page split among the
  processes sharing it, so the sum is the memory the tree really holds.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Sequence
from typing import NamedTuple

PAGE = os.sysconf("SC_PAGE_SIZE")


class Memory(NamedTuple):
    rss: int  # bytes
    pss: int  # bytes

    def max(self, other: "Memory") -> "Memory":
        return Memory(max(self.rss, other.rss), max(self.pss, other.pss))


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


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def tree_memory(pid: int) -> Memory:
    """RSS and PSS of `pid` and its descendants now, in bytes."""
    kids = _children()
    rss = pss = 0
    todo = [pid]
    while todo:
        p = todo.pop()
        todo.extend(kids.get(p, []))
        try:
            with open(f"/proc/{p}/statm") as f:
                rss += int(f.read().split()[1]) * PAGE
        except OSError:
            continue
        pss += _pss(p)
    return Memory(rss, pss)


def run(cmd: Sequence[str], *, env: dict | None = None, cwd: str | None = None, interval: float = 0.05,
        also: Sequence[int] | None = None) -> tuple[float, Memory, subprocess.CompletedProcess]:
    """Run `cmd`; (wall seconds, peak tree memory, the completed process).

    `also`: other processes (e.g. a cluster serving the command) whose trees count too."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(list(cmd), env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = Memory(0, 0)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            now = tree_memory(proc.pid)
            for p in also or ():
                other = tree_memory(p)
                now = Memory(now.rss + other.rss, now.pss + other.pss)
            peak = peak.max(now)
            stop.wait(interval)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    stop.set()
    sampler.join()
    return wall, peak, subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
