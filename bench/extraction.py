"""Benchmark the cleaning stage on ../shared/bench/extraction (issue 8).

    python bench/extraction.py [--input html|text|both] [--jobs 1] [--worst 10] [--skip-cli]

Runs the shared scorer `evaluate.py` over `briefing clean --format json {path}` for each
input (the way a producer runs the tool) and prints its F1, precision and recall, then
times `briefing.clean.clean` in-process on every HTML page and prints pages per second
for the median page (the issue's speed target: at least 20).
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench" / "extraction"


def briefing_command() -> str:
    exe = Path(sys.executable).parent / "briefing"
    if exe.exists():
        return str(exe)
    found = shutil.which("briefing")
    if not found:
        sys.exit("the `briefing` command is not installed: run `make venv` first")
    return found


def score(kind: str, jobs: int, worst: int) -> int:
    command = [
        sys.executable, str(BENCH / "evaluate.py"),
        "--run", f"{briefing_command()} clean --format json {{path}}",
        "--input", kind, "--jobs", str(jobs),
    ]
    if worst:
        command += ["--worst", str(worst)]
    print(f"== {kind} input: briefing clean --format json", flush=True)
    return subprocess.run(command).returncode


def speed() -> None:
    from briefing.clean.decode import clean
    from briefing.errors import BriefingError
    from briefing.models import Document

    truth = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    pages = [gzip.decompress((BENCH / "html" / f"{key}.html.gz").read_bytes()) for key in sorted(truth)]
    clean(Document(source="warm-up", content=pages[0], kind="html"))  # imports, caches
    times = []
    for i, content in enumerate(pages):
        started = time.perf_counter()
        try:
            clean(Document(source=str(i), content=content, kind="html"))
        except BriefingError:
            pass
        times.append(time.perf_counter() - started)
    median = statistics.median(times)
    print(
        f"== speed (in-process, HTML): median {median * 1000:.1f} ms a page = {1 / median:.1f} pages/s; "
        f"slowest {max(times) * 1000:.0f} ms; {len(pages) / sum(times):.1f} pages/s overall"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", choices=["html", "text", "both"], default="both")
    parser.add_argument("--jobs", type=int, default=1, help="pages scored at once (the machine is shared)")
    parser.add_argument("--worst", type=int, default=0, help="also list the N worst pages")
    parser.add_argument("--skip-cli", action="store_true", help="only time the cleaner in-process")
    args = parser.parse_args()
    if not BENCH.is_dir():
        sys.exit(f"benchmark pages not found at {BENCH}: the repo's sibling shared/ folder is needed")
    status = 0
    if not args.skip_cli:
        for kind in (["html", "text"] if args.input == "both" else [args.input]):
            status |= score(kind, args.jobs, args.worst)
    speed()
    return status


if __name__ == "__main__":
    sys.exit(main())
