"""Quote benchmark: score `briefing script --format json` on the PolNeAR dev split.

Runs ../shared/bench/quotes/score.py, which prints the worst articles and then the figures
(voice-quote F1, false-voicing of partial and scare quotes, speaker accuracy, consistency).

    .venv/bin/python bench/quotes.py [--split dev|train|train-tune|train-held] [--jobs 2] [--worst 10]

The train split is cut in two folds by a hash of the article's name (so the cut never depends
on what the rules do): `train-tune` (about three quarters) is where rules and the quote model
are written and tuned; `train-held` (the rest) and `dev` are held out, and theirs are the
figures to quote.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT.parent / "shared" / "bench" / "quotes"


FOLDS = 4  # train-held is the fold whose name hashes to 0 of 4


def held_out(name: str) -> bool:
    """True for the train articles kept out of tuning (the `train-held` fold)."""
    return zlib.crc32(name.encode("utf-8")) % FOLDS == 0


def split_dir(bench: Path, split: str) -> Path:
    """The directory score.py reads for `split`: a shipped split, or a train fold made on disk."""
    if split not in ("train-tune", "train-held"):
        return bench / split
    want = split == "train-held"
    source = bench / "train"
    gold = [a for a in json.loads((source / "gold.json").read_text(encoding="utf-8"))
            if held_out(a["name"]) == want]
    out = Path(tempfile.mkdtemp(prefix=f"quotes-{split}-"))
    (out / "text").mkdir()
    for art in gold:
        (out / "text" / f"{art['name']}.txt").symlink_to(source / "text" / f"{art['name']}.txt")
    (out / "gold.json").write_text(json.dumps(gold, ensure_ascii=False), encoding="utf-8")
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the scorer over every article of one split and print its report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev", help="split to score: dev, train, train-tune or train-held")
    ap.add_argument("--jobs", type=int, default=2, help="articles scored at once (2 cores)")
    ap.add_argument("--worst", type=int, default=10, help="how many worst articles to list")
    ap.add_argument("--bench", type=Path, default=BENCH, help="bench/quotes directory")
    args = ap.parse_args(argv)
    exe = Path(sys.executable).with_name("briefing")
    briefing = str(exe) if exe.exists() else shutil.which("briefing") or "briefing"
    cmd = [
        sys.executable, str(args.bench / "score.py"), str(split_dir(args.bench, args.split)),
        "--run", f"{briefing} script --format json {{path}}",
        "--jobs", str(args.jobs), "--worst", str(args.worst),
    ]
    return subprocess.call(cmd)


if __name__ == "__main__":
    raise SystemExit(main())
