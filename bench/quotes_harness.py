"""In-process harness: article text file -> `briefing script --format json` shaped output.

Used only until the cleaner and CLI exist (and for quick tuning): paragraphs are split on
blank lines / newlines, the first one is the title.
"""
import json
import sys
from pathlib import Path

from briefing.script.cast import assign_voices
from briefing.models import Article, Block
from briefing.script.segment import segment


def article_from_text(text: str) -> Article:
    paras = [p.strip() for p in text.splitlines() if p.strip()]
    title, body = (paras[0], paras[1:]) if paras else ("", [])
    return Article(title=title, body=tuple(Block("paragraph", p) for p in body))


def main(paths):
    for path in paths:
        art = article_from_text(Path(path).read_text(encoding="utf-8"))
        segs = assign_voices([segment(art)], "narrator", ["v1", "v2", "v3", "v4"])[0]
        print(json.dumps({"segments": [
            {"role": s.role, "speaker": s.speaker, "voice": s.voice, "text": s.text, "spoken": s.spoken}
            for s in segs]}, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
