"""Quality floor on the shared extraction benchmark: fails if extraction scores drop."""

from __future__ import annotations

import gzip
import importlib.util
import json
import statistics
from pathlib import Path

import pytest

from briefing.clean.decode import clean
from briefing.errors import BriefingError
from briefing.models import Document

BENCH = Path(__file__).parents[2] / "shared" / "bench" / "extraction"
# Floors a little under the scores when they were set (html 0.977, text 0.909), so noise
# from library updates does not fail CI but a real regression does.
FLOORS = {"html": 0.97, "text": 0.90}


def _scorer():
    if not (BENCH / "evaluate.py").exists():
        pytest.fail(f"benchmark missing at {BENCH} (the repo's sibling shared/ folder)")
    spec = importlib.util.spec_from_file_location("evaluate", BENCH / "evaluate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.page_score


@pytest.mark.parametrize("kind", ["html", "text"])
def test_extraction_quality_floor(kind):
    page_score = _scorer()
    truth = json.loads((BENCH / "ground-truth.json").read_text(encoding="utf-8"))
    f1 = []
    for key, item in sorted(truth.items()):
        if kind == "html":
            content = gzip.decompress((BENCH / "html" / f"{key}.html.gz").read_bytes())
        else:
            content = (BENCH / "text" / f"{key}.txt").read_bytes()
        try:
            article = clean(Document(source=key, content=content, kind=kind))
            predicted = "\n\n".join(b.text for b in article.body)
        except BriefingError:
            predicted = ""
        f1.append(page_score(item["articleBody"], predicted)[2])
    assert statistics.mean(f1) >= FLOORS[kind]
