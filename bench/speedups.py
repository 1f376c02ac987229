"""What each trick in `briefing.speedups` saves, measured by running `briefing make` with it
switched off, in turns with a run that has them all.

    python bench/speedups.py [--runs 5] [--words 150]

A run is `briefing -q make` in a fresh show made from the first --words body words of the
sample article; "cold" has a fresh home and output (the clips are synthesized), "warm" is the
same day made again (every clip cached). Each variant replaces one function of
`briefing.speedups` before the CLI starts (as tests/killrun.py wraps functions), so the product
has no switch for this. Variants take turns, run after run, so a shared machine's load falls on
all of them alike; medians are printed with the difference to the run with every trick on.
Not run by the test suite.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Each variant: Python run before the CLI, switching one trick off.
VARIANTS = {
    "all on": "",
    "no exit_without_teardown": "s.exit_without_teardown = sys.exit",
    "no start_engine_preload": (
        "import threading\n"
        "def _none(options):\n"
        "    t = threading.Thread(target=lambda: None); t.start(); return t\n"
        "s.start_engine_preload = _none"
    ),
    "no finishing_imports": "s.finishing_imports = lambda: None",
    "no one_blas_thread": "s.one_blas_thread = lambda: None; os.environ.pop('OPENBLAS_NUM_THREADS', None)",
}


def runner(patch: str) -> str:
    return (
        "import os, sys\n"
        "import briefing.speedups as s\n"
        f"{patch}\n"
        "from briefing.cli import main\n"
        "sys.argv = ['briefing', '-q', 'make', '--date', '2026-01-01']\n"
        "main()\n"
    )


def show(folder: Path, words: int) -> Path:
    text = (REPO / "sources").glob("*.txt")
    article = next(iter(sorted(text))).read_text("utf-8")
    head, *body = article.split("\n\n")
    kept, n = [], 0
    for para in body:
        if n >= words:
            break
        kept.append(para)
        n += len(para.split())
    (folder / "sources").mkdir(parents=True)
    (folder / "sources" / "article.txt").write_text("\n\n".join([head, *kept]) + "\n", "utf-8")
    shutil.copy(REPO / "briefing.toml", folder / "briefing.toml")
    return folder


def timed(code: str, folder: Path, home: Path) -> float:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    env["BRIEFING_HOME"] = str(home)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=folder, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 3):
        sys.exit(f"briefing make failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--words", type=int, default=150)
    args = ap.parse_args()
    cold: dict[str, list[float]] = {v: [] for v in VARIANTS}
    warm: dict[str, list[float]] = {v: [] for v in VARIANTS}
    with tempfile.TemporaryDirectory(prefix="briefing-speedups-") as tmp:
        work = Path(tmp)
        folder = show(work / "show", args.words)
        for i in range(args.runs):
            for name, patch in VARIANTS.items():
                home = work / f"home-{i}-{len(cold[name])}-{abs(hash(name))}"
                shutil.rmtree(folder / "output", ignore_errors=True)
                code = runner(patch)
                cold[name].append(timed(code, folder, home))
                warm[name].append(timed(code, folder, home))
                shutil.rmtree(home)
            print(f"run {i + 1}/{args.runs} done", file=sys.stderr, flush=True)
    base_c, base_w = statistics.median(cold["all on"]), statistics.median(warm["all on"])
    print(f"briefing make, {args.words} words, {args.runs} runs each in turns, medians (s); load {os.getloadavg()[0]:.1f}")
    print(f"{'variant':28} {'cold':>7} {'vs all':>8} {'warm':>7} {'vs all':>8}")
    for name in VARIANTS:
        c, w = statistics.median(cold[name]), statistics.median(warm[name])
        print(f"{name:28} {c:7.2f} {1000 * (c - base_c):+7.0f}ms {w:7.2f} {1000 * (w - base_w):+7.0f}ms")


if __name__ == "__main__":
    main()
