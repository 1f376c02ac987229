"""Measure the voice cast: write `briefing voices --demo DIR` and run voicecheck on it.

    .venv/bin/python bench/voices.py [--out DIR] [--config briefing.toml] [--runs N]

Prints voicecheck's table and whether each target of issue 3 holds:
max cosine to narrator <= 0.75, max pairwise cosine between quote voices <= 0.80, every
voice's DNSMOS OVRL within 0.3 of the narrator's, WER at most 0.03 above the narrator's.
Piper's synthesis is stochastic (noise_scale), so `--runs N` repeats the demo and check N
times to show the spread. Exits 1 if any run misses a target.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VOICECHECK = ROOT.parent / "shared" / "tools" / "voicecheck"

TARGETS = {
    "max-cos-to-narrator": 0.75,
    "max-pairwise-cos": 0.80,
    "ovrl-drop": 0.30,
    "wer-rise": 0.03,
}

_SUMMARY = re.compile(
    r"max-cos-to-narrator (?P<cos>[\d.]+)\s+max-pairwise-cos (?P<pair>[\d.]+)\s+"
    r"min-ovrl (?P<ovrl>[\d.]+) \(narrator (?P<novrl>[\d.]+)\)\s+"
    r"max-wer (?P<wer>[\d.]+) \(narrator (?P<nwer>[\d.]+)\)"
)


def demo(out: Path, config: Path | None) -> None:
    cmd = [sys.executable, "-m", "briefing"]
    if config:
        cmd += ["--config", str(config)]
    cmd += ["voices", "--demo", str(out)]
    subprocess.run(cmd, check=True, cwd=ROOT)


def check(out: Path) -> dict[str, float]:
    proc = subprocess.run([str(VOICECHECK), "voices", str(out)], capture_output=True, text=True)
    print(proc.stdout, end="")
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        raise SystemExit(f"voicecheck failed with exit status {proc.returncode}")
    m = _SUMMARY.search(proc.stdout)
    if not m:
        raise SystemExit("could not read voicecheck's summary line")
    v = {k: float(x) for k, x in m.groupdict().items()}
    return {
        "max-cos-to-narrator": v["cos"],
        "max-pairwise-cos": v["pair"],
        "ovrl-drop": round(v["novrl"] - v["ovrl"], 2),
        "wer-rise": round(v["wer"] - v["nwer"], 3),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="demo folder (default: a temporary one)")
    parser.add_argument("--config", type=Path, help="briefing.toml whose cast to measure")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    failed = False
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="voices-") as tmp:
            out = args.out or Path(tmp)
            if args.runs > 1:
                print(f"--- run {run}/{args.runs}")
            demo(out, args.config)
            figures = check(out)
        for name, value in figures.items():
            ok = value <= TARGETS[name]
            failed |= not ok
            print(f"{name:<20} {value:7.3f}  target <= {TARGETS[name]:.2f}  {'ok' if ok else 'MISSED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
