"""The 12-source run of issue 21: 4 hosts on 127.0.0.1-4, 8 good pages (0.5 s each) and 4
that hang or drip, fetched side by side ([fetch] parallel = 4, per_host = 2) against one by
one (parallel = 1), with a 2 s deadline. Prints the median wall time of 3 runs of each.

    PYTHONPATH=src python bench/fetch_parallel.py [--runs 3] [--deadline 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from briefing.models import SourceSpec  # noqa: E402
from briefing.sources.fetch import Fetcher  # noqa: E402
from briefing.sources.gather import gather  # noqa: E402
import test_parallel_fetch as scenario  # noqa: E402


def one_run(parallel: int, deadline: float) -> tuple[float, int]:
    options = replace(scenario.OPTIONS, parallel=parallel, deadline=deadline)
    with ExitStack() as stack:
        urls, titles = scenario.twelve_sources(stack)
        start = time.monotonic()
        with Fetcher(options) as fetcher:
            items = list(gather([SourceSpec(u) for u in urls], fetcher))
        took = time.monotonic() - start
    assert [i.label for i in items] == urls
    failed = [i for i in items if i.error]
    if len(failed) != 4 or parallel > 1 and took > deadline + 8 * scenario.GOOD_DELAY:
        # A good page past the deadline too: on a shared machine, usually a stall of the process.
        print(f"  unexpected run (parallel {parallel}, {took:.2f} s, {len(failed)} skipped): "
              + "; ".join(f"{i.label.rsplit('/', 1)[-1]} {i.error.reason[:22]}" for i in failed), flush=True)
    return took, sum(1 for i in items if i.document)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--deadline", type=float, default=scenario.DEADLINE)
    args = ap.parse_args()
    good_time = 8 * scenario.GOOD_DELAY
    print(f"12 sources, 4 hang or drip; deadline {args.deadline:g} s; the 8 good pages need {good_time:g} s one by one")
    for parallel in (4, 1):
        runs = [one_run(parallel, args.deadline) for _ in range(args.runs)]
        times = [t for t, _ in runs]
        print(f"parallel = {parallel}: median {statistics.median(times):.2f} s "
              f"(runs {', '.join(f'{t:.2f}' for t in times)}), {runs[0][1]} articles fetched")


if __name__ == "__main__":
    main()
