"""Intelligibility of the sample episode: voicecheck's episode WER over several takes, with
every recogniser error aligned to the segment (and voice) it came from and put in a class.

    .venv/bin/python bench/wer.py [--takes N] [--config briefing.toml] [--keep DIR] [--errors]

Each take makes the episode afresh (`briefing make` with an empty cache in a temporary
BRIEFING_HOME, since Piper's synthesis is random and a cached clip would repeat the take),
then scores it exactly as `../shared/tools/voicecheck episode MP3 TXT` does (same module,
same recogniser, same words() and jiwer) and prints the WER, then the median and range.
Two sources of noise: Piper's synthesis differs per take, and the recogniser itself is not
deterministic (faster-whisper falls back to sampling at temperature > 0 on hard windows): one
and the same MP3 scored 0.110, 0.124 and 0.119 in three voicecheck runs. Quote medians.

Error classes. jiwer's neighbouring chunks (substitution/deletion/insertion) are merged into
one misheard stretch, counted as the words it covers, in the class of its first matching rule:
  skipped    8+ script words, most not in what was heard: the recogniser's long-form decoding
             jumped ahead or looped (chaotic: the same MP3 resampled is transcribed whole)
  spelling   the same words in the recogniser's spelling: centre/center, on to/onto, two-fold/
             twofold (the script is British and hyphenated; tiny.en writes American, solid)
  names      the stretch holds a proper name (a word the script only writes capitalised,
             mid-sentence): the recogniser cannot spell Tokayev, and misheard neighbours go too
  numbers    digits or number words on either side: "6 January" read "sixth January" is
             written back "6th January"
  quote      other errors inside a quote-voice segment (the transformed voices)
  narrator   other errors inside a narrator segment
  /boundary  suffix: the stretch touches the first or last word of its segment (clip edges)
Then, per voice over all takes, its words, errors and own errors (quote/narrator classes).
`--errors` lists every stretch: class, voice, reference words -> heard words.
`--episode MP3...` scores episodes already made (their .txt and .json beside them).
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT.parent / "shared" / "tools"  # ../shared beside the checkout, as CI lays it
VOICECHECK_PY = Path(os.environ.get("VOICECHECK_VENV", Path.home() / ".cache/voicecheck/venv")) / "bin/python"

# Runs inside voicecheck's own environment (faster-whisper, jiwer): transcribe and align.
_SCORE = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import voicecheck as vc
import jiwer
out = []
for mp3, txt in zip(sys.argv[2::2], sys.argv[3::2]):
    ref_text = open(txt, encoding="utf-8").read()
    hyp_text = vc.transcribe(__import__("pathlib").Path(mp3))
    ref, hyp = vc.words(ref_text), vc.words(hyp_text)
    res = jiwer.process_words(ref, hyp)
    chunks = [(c.type, c.ref_start_idx, c.ref_end_idx, c.hyp_start_idx, c.hyp_end_idx)
              for c in res.alignments[0]]
    out.append({"wer": vc.wer(ref_text, hyp_text), "ref": ref.split(), "hyp": hyp.split(),
                "chunks": chunks, "hypothesis": hyp_text})
print(json.dumps(out))
"""

# A stretch of this many script words, most of them missing from what was heard, is the recogniser's
# long-form decoding skipping ahead (or looping), not mishearing: it comes and goes with
# the audio's alignment to its 30 s windows (resampling the same MP3 can bring it back).
SKIP_WORDS = 8

_DIGIT = re.compile(r"\d")
_NUMBER_WORDS = set(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "hundred thousand million billion first second third fourth fifth sixth seventh eighth ninth "
    "tenth twentieth thirtieth".split()
)


def words(text: str) -> list[str]:
    text = text.lower().replace("’", "'")
    return re.sub(r"[^a-z0-9' ]+", " ", text).split()


def make_take(config: Path, dest: Path) -> tuple[Path, Path, Path]:
    """One fresh episode (empty cache) under `dest`: its MP3, TXT and JSON."""
    work = dest / "show"
    work.mkdir(parents=True)
    cfg = config.read_text(encoding="utf-8")
    shutil.copy(config, work / "briefing.toml")
    for line in re.findall(r'^paths\s*=\s*\[(.*)\]', cfg, re.M):
        for src in re.findall(r'"([^"]+)"', line):
            (work / src).symlink_to((config.parent / src).resolve())
    env = dict(os.environ, BRIEFING_HOME=str(dest / "home"))
    cmd = ["nice", "-n", "10", sys.executable, "-m", "briefing", "-q", "--config", str(work / "briefing.toml"), "make"]
    proc = subprocess.run(cmd, cwd=work, env=env)
    if proc.returncode not in (0, 3):
        raise SystemExit(f"briefing make failed ({proc.returncode})")
    mp3 = next((work / "output").glob("*/briefing-*.mp3"))
    return mp3, mp3.with_suffix(".txt"), mp3.with_suffix(".json")


def score(pairs: list[tuple[Path, Path]]) -> list[dict]:
    args = [str(VOICECHECK_PY), "-c", _SCORE, str(TOOLS)] + [str(p) for pair in pairs for p in pair]
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    proc = subprocess.run(["nice", "-n", "10", *args], capture_output=True, text=True, env=env)
    if proc.returncode:
        raise SystemExit(proc.stderr)
    return json.loads(proc.stdout)


def segment_of_words(segments: list[dict]) -> list[int]:
    """For every reference word (voicecheck's words() of the script), its segment's index."""
    owner = []
    for i, seg in enumerate(segments):
        owner += [i] * len(words(seg["text"]))
    return owner


def _is_number(ws: list[str]) -> bool:
    return any(_DIGIT.search(w) or w in _NUMBER_WORDS for w in ws)


def classify(result: dict, segments: list[dict], names: set[str]) -> list[dict]:
    owner = segment_of_words(segments)
    if len(owner) != len(result["ref"]):
        raise SystemExit(f"script has {len(result['ref'])} words, segments {len(owner)}: not the same text")
    # jiwer splits one misheard stretch into several chunks ("nazarbayev" -> "nazar baeh" is an
    # insertion and a substitution); neighbouring chunks are one error region here.
    regions: list[list] = []
    for kind, r0, r1, h0, h1 in result["chunks"]:
        if kind == "equal":
            regions.append(None)
            continue
        n = max(r1 - r0, h1 - h0) if kind == "substitute" else (r1 - r0 if kind == "delete" else h1 - h0)
        if regions and regions[-1] is not None:
            reg = regions[-1]
            reg[1], reg[3], reg[4] = r1, h1, reg[4] + n
            reg[5].append(kind)
        else:
            regions.append([r0, r1, h0, h1, n, [kind]])
    starts = {}
    for i, o in enumerate(owner):
        starts.setdefault(o, i)
    errors = []
    for reg in filter(None, regions):
        r0, r1, h0, h1, n, kinds = reg
        ref, hyp = result["ref"][r0:r1], result["hyp"][h0:h1]
        at = min(r0, len(owner) - 1)
        si = owner[at]
        seg = segments[si]
        first, last = starts[si], starts[si] + len(words(seg["text"])) - 1
        if len(ref) >= SKIP_WORDS and sum(w in hyp for w in ref) < len(ref) / 2:
            cls = "skipped"
        elif _spelling(ref, hyp):
            cls = "spelling"
        elif any(w in names for w in ref):
            cls = "names"
        elif _is_number(ref) or _is_number(hyp):
            cls = "numbers"
        else:
            cls = "quote" if seg["role"] == "quote" else "narrator"
            if r0 <= first or (r1 - 1 >= last and r1 > r0) or (not ref and r0 in (first, last + 1)):
                cls += "/boundary"
        where = "intro/outro" if si in (0, len(segments) - 1) else seg["voice"]
        errors.append({"class": cls, "n": n, "voice": where, "kind": "+".join(kinds), "ref": " ".join(ref),
                       "hyp": " ".join(hyp), "segment": si})
    return errors


def _spelling(ref: list[str], hyp: list[str]) -> bool:
    """The same words spelt the recogniser's (American, unhyphenated) way: centre/center,
    organisation/organization, on to/onto, two-fold/twofold."""
    a, b = "".join(ref), "".join(hyp)
    if a == b:
        return True
    us = re.sub(r"tre\b", "ter", re.sub(r"is(e|ed|es|ing|ation)", r"iz\1", a))
    us = us.replace("sceptic", "skeptic").replace("programme", "program").replace("colour", "color")
    return us == b


def _per_voice(segments: list[dict], errors: list[dict]) -> dict[str, list[int]]:
    """Reference words, errors and errors of the voice itself (not names, numbers or
    spelling), by voice (the intro and outro count as the narrator's)."""
    out: dict[str, list[int]] = {}
    for seg in segments:
        out.setdefault(seg["voice"], [0, 0, 0])[0] += len(words(seg["text"]))
    for e in errors:
        voice = segments[e["segment"]]["voice"]
        out[voice][1] += e["n"]
        if e["class"].split("/")[0] in ("narrator", "quote"):
            out[voice][2] += e["n"]
    return out


def proper_names(segments: list[dict]) -> set[str]:
    """Words the script only ever writes capitalised, and not first in a sentence: proper names
    (months and days excluded: the recogniser knows them)."""
    lower, caps = set(), set()
    for seg in segments:
        text = seg["text"].replace("’", "'")
        lower |= set(re.findall(r"(?<![\w'-])[a-z][a-z']*", text))
        for m in re.finditer(r"(?<![\w'])[A-Z][\w'-]*", text):
            before = text[: m.start()].rstrip()
            if before and before[-1] not in ".!?:\"“[(":
                for part in words(m.group(0)):
                    caps.add(re.sub(r"'s?$", "", part))
    names = {w for w in caps if w not in lower and w not in _CALENDAR}
    return names | {w + "'s" for w in names} | {w + "'" for w in names}


_CALENDAR = set(
    "monday tuesday wednesday thursday friday saturday sunday january february march april may "
    "june july august september october november december i".split()
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--takes", type=int, default=3)
    parser.add_argument("--config", type=Path, default=ROOT / "briefing.toml")
    parser.add_argument("--keep", type=Path, help="keep each take's episode under DIR/take-N")
    parser.add_argument("--errors", action="store_true", help="list every error with its class")
    parser.add_argument("--episode", type=Path, nargs="*", help="score these existing MP3s (TXT/JSON beside them)")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="wer-")
    try:
        takes = []
        if args.episode:
            takes = [(m, m.with_suffix(".txt"), m.with_suffix(".json")) for m in args.episode]
        else:
            for n in range(1, args.takes + 1):
                dest = (args.keep / f"take-{n}") if args.keep else Path(tmp) / f"take-{n}"
                if dest.exists():
                    shutil.rmtree(dest)
                takes.append(make_take(args.config.resolve(), dest))
        results = score([(m, t) for m, t, _ in takes])
        totals: dict[str, list[int]] = {}
        voice_totals: dict[str, list[int]] = {}
        rates = []
        for i, ((mp3, txt, js), res) in enumerate(zip(takes, results), start=1):
            segments = json.loads(js.read_text(encoding="utf-8"))["segments"]
            names = proper_names(segments)
            errors = classify(res, segments, names)
            by_class: dict[str, int] = {}
            for e in errors:
                by_class[e["class"]] = by_class.get(e["class"], 0) + e["n"]
            for k, v in by_class.items():
                totals.setdefault(k, []).append(v)
            rates.append(res["wer"])
            per_voice = _per_voice(segments, errors)
            for k, v in per_voice.items():
                voice_totals.setdefault(k, [0, 0, 0])
                voice_totals[k] = [a + b for a, b in zip(voice_totals[k], v)]
            print(f"take {i}: wer {res['wer']:.3f}  ({len(res['ref'])} words, {sum(by_class.values())} errors: "
                  + ", ".join(f"{k} {v}" for k, v in sorted(by_class.items())) + ")")
            if args.errors:
                for e in errors:
                    print(f"  {e['class']:<18} {e['voice']:<11} {e['kind']:<10} {e['ref']!r} -> {e['hyp']!r}")
        if len(rates) > 1:
            print(f"wer median {statistics.median(rates):.3f}  range {min(rates):.3f}-{max(rates):.3f}  takes {len(rates)}")
            print("errors per take (median): " + ", ".join(
                f"{k} {statistics.median(v + [0] * (len(rates) - len(v))):g}" for k, v in sorted(totals.items())))
        print("per voice over all takes (words, errors, errors outside names/numbers/spelling):")
        for k, (n, e, other) in sorted(voice_totals.items()):
            print(f"  {k:<12} {n:6d} words  {e:4d} errors ({e / max(n, 1):.3f})  {other:4d} others ({other / max(n, 1):.3f})")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
