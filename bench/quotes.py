"""Quote benchmark: score `briefing script --format json` on the PolNeAR dev split.

Runs ../shared/bench/quotes/score.py, which prints the worst articles and then the figures
(voice-quote F1, false-voicing of partial and scare quotes, speaker accuracy, consistency).

    .venv/bin/python bench/quotes.py [--split dev] [--jobs 2] [--worst 10]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench" / "quotes"


def main(argv: list[str] | None = None) -> int:
    """Run the scorer over every article of one split and print its report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", help="bench split to score (dev or train)")
    ap.add_argument("--jobs", type=int, default=2, help="articles scored at once (2 cores)")
    ap.add_argument("--worst", type=int, default=10, help="how many worst articles to list")
    ap.add_argument("--bench", type=Path, default=BENCH, help="bench/quotes directory")
    args = ap.parse_args(argv)
    exe = Path(sys.executable).with_name("briefing")
    briefing = str(exe) if exe.exists() else shutil.which("briefing") or "briefing"
    cmd = [
        sys.executable, str(args.bench / "score.py"), str(args.bench / args.split),
        "--run", f"{briefing} script --format json {{path}}",
        "--jobs", str(args.jobs), "--worst", str(args.worst),
    ]
    return subprocess.call(cmd)


if __name__ == "__main__":
    raise SystemExit(main())
