"""The package layout the README promises: one package per stage, imports one way
(cli -> pipeline -> stages -> shared modules), stages handed slices of the settings."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "briefing"
STAGES = ("sources", "clean", "script", "speech", "audio", "publish")
RUNNERS = ("cli", "pipeline", "speedups", "say")  # what runs the stages; everything else at the top is shared


def _imports(path: Path) -> set[str]:
    """Every briefing module `path` imports, at any depth (function-level imports included)."""
    tree = ast.parse(path.read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{a.name}" for a in node.names}
    return found


def _modules():
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).with_suffix("")
        yield ".".join(rel.parts), path


def _top(name: str) -> str:
    parts = name.split(".")
    return parts[1] if parts[0] == "briefing" and len(parts) > 1 else ""


@pytest.mark.parametrize("name,path", list(_modules()), ids=lambda v: v if isinstance(v, str) else "")
def test_imports_run_one_way(name, path):
    own = name.split(".")[0]
    imported = _imports(path)
    briefing = {_top(m) for m in imported if m.startswith("briefing.")}
    if own in STAGES:
        assert not briefing & set(RUNNERS), f"{name} imports {briefing & set(RUNNERS)}: stages never import what runs them"
        assert "briefing.config.Settings" not in imported, f"{name} imports Settings; give it its own slice"
    if own in ("clean", "script"):
        assert not briefing & {"speech", "audio", "publish"}, f"{name} reaches past its stage: {briefing}"
    if own == "speech":
        assert not briefing & {"clean", "script", "sources", "publish"}, f"{name}: speech knows no article ({briefing})"
        assert "briefing.models.Article" not in imported, f"{name}: speech knows no article"
    if own not in STAGES and own not in RUNNERS and own not in ("__main__", "__init__"):
        assert not briefing & set(STAGES), f"shared module {name} imports a stage: {briefing & set(STAGES)}"
    if own != "cli":
        assert not any(m == "click" or m.startswith("click.") for m in imported), f"{name} imports click: only cli does"


def test_every_stage_package_says_what_goes_in_and_what_comes_out():
    for stage in STAGES:
        doc = ast.get_docstring(ast.parse((SRC / stage / "__init__.py").read_text("utf-8")))
        assert doc and "In:" in doc and "Out:" in doc, f"{stage}/__init__.py needs an In:/Out: docstring"


def test_the_pipeline_only_orchestrates():
    # Stage work lives in its stage: the pipeline stays a short reading of the five steps
    # (and of `preview`, the same first step for `make --dry-run`, with retention worked out,
    # and of the clean-up when a write fails while publishing).
    assert len((SRC / "pipeline.py").read_text("utf-8").splitlines()) <= 420
