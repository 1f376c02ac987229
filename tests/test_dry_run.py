"""`briefing make --dry-run`: what a run would brief, skip, leave out, keep in the feed and
delete, with nothing written (state, HTTP cache and output/ byte for byte as they were)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from localserver import LocalServer
from showkit import make, show, story

EARLIER, TODAY = "2026-03-01", "2026-03-02"


def tree(*folders: Path) -> dict[str, str]:
    """Every file under `folders` with a hash of its bytes. SQLite's -wal/-shm companions are
    left out: any reader of a WAL database (read-only too) may create them empty, and the
    database file itself is compared."""
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in folders if folder.exists() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.endswith(("-wal", "-shm"))}


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def test_a_dry_run_says_what_would_happen_and_writes_nothing(tmp_path, server, briefing_home):
    config = show(tmp_path, "[sources]\npaths = []", extra="[feed]\nkeep_episodes = 1\n")
    old = server.page("/one", story(1))
    assert make(config, "--date", EARLIER, old).exit_code == 0
    new = server.page("/two", story(2))
    missing = server.url("/gone")
    before = tree(tmp_path / "output", briefing_home)

    result = make(config, "--date", TODAY, "--dry-run", new, missing, old)
    assert result.exit_code == 0, result.output
    lines = [line.strip() for line in result.output.splitlines()]
    assert "would brief  Story number 2 makes the news — 45 words, from " + new in lines
    assert f"would skip  {missing}: the server answered HTTP 404 Not Found" in lines
    assert f"would leave out  {old}: already briefed on {EARLIER}" in lines
    assert f"the feed would keep 1 episode(s): {TODAY}" in lines
    deleted = [line for line in lines if line.startswith("would delete")]
    assert deleted == [f"would delete  the episode of {EARLIER} ({EARLIER}/briefing-{EARLIER}.mp3, "
                       + ", ".join(f"{EARLIER}/briefing-{EARLIER}{s}" for s in (".vtt", ".chapters.json", ".json", ".txt"))
                       + f", {EARLIER}/index.html)"]
    assert tree(tmp_path / "output", briefing_home) == before  # not a byte written, not even the HTTP cache


def test_a_dry_run_with_nothing_new(tmp_path, server):
    config = show(tmp_path, "[sources]\npaths = []")
    result = make(config, "--date", TODAY, "--dry-run", server.url("/gone"))
    assert result.exit_code == 0, result.output
    assert "nothing would be made: the feed and every episode would stay as they are" in result.output
    assert not (tmp_path / "output").exists()


def test_without_limits_nothing_would_be_deleted(tmp_path, server):
    config = show(tmp_path, "[sources]\npaths = []", extra="[feed]\nkeep_episodes = 0\n")
    result = make(config, "--date", TODAY, "--dry-run", server.page("/two", story(2)))
    assert result.exit_code == 0, result.output
    assert f"the feed would keep 1 episode(s): {TODAY}" in result.output
    assert "would delete  nothing ([feed] keep_episodes and keep_days)" in result.output
