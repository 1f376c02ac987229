"""Disk faults for real: `briefing make` in a child process with a small file-size limit
(RLIMIT_FSIZE, as a full disk fails a write halfway), and with a read-only output folder.
The feed, the state and every earlier episode stay exactly as they were, the run's partial
files are gone, and one line says what failed and where."""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from showkit import episodes, make, show, story

EARLIER, TODAY = "2026-03-01", "2026-03-02"


def snapshot(folder: Path, home: Path) -> dict:
    out = folder / "output"
    return {
        "files": {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
                  for p in sorted(out.rglob("*")) if p.is_file()},
        "episodes": episodes(home),
    }


@pytest.fixture
def published(tmp_path, briefing_home):
    """A show that published EARLIER; a longer story waits in sources/ for TODAY."""
    config = show(tmp_path, '[sources]\npaths = ["sources"]\n[cache]\nenabled = false')
    (tmp_path / "sources" / "one.html").write_text(story(1), encoding="utf-8")
    assert make(config, "--date", EARLIER).exit_code == 0
    (tmp_path / "sources" / "one.html").unlink()
    two = story(2).replace("</article>", "<p>" + "More words for a longer episode today. " * 20 + "</p></article>")
    (tmp_path / "sources" / "two.html").write_text(two, encoding="utf-8")
    return config


def run_limited(config: Path, home: Path, limit: int) -> subprocess.CompletedProcess:
    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = {**os.environ, "BRIEFING_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "briefing", "--config", str(config), "make", "--date", TODAY],
        env=env, preexec_fn=small_files, capture_output=True, text=True, timeout=180,
    )


def assert_untouched(tmp_path: Path, home: Path, before: dict) -> None:
    after = snapshot(tmp_path, home)
    assert after["episodes"] == before["episodes"]
    assert sorted(set(after["files"]) ^ set(before["files"])) == []  # no file added or lost
    assert after["files"] == before["files"]
    assert not (tmp_path / "output" / TODAY).exists()  # nothing of the failed day left behind


@pytest.mark.parametrize("limit", [64 * 1024, 400 * 1024])  # the new MP3 is about 700 kB
def test_a_write_failing_halfway_leaves_everything_as_it_was(tmp_path, briefing_home, published, limit):
    before = snapshot(tmp_path, briefing_home)
    proc = run_limited(published, briefing_home, limit)
    assert_untouched(tmp_path, briefing_home, before)
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, proc.stderr
    # What failed and where: the MP3 is this show's largest file, so it is the write that fails.
    assert errors[0] == (f"Error: could not encode .briefing-{TODAY}.untagged.mp3 in {tmp_path / 'output' / TODAY}: "
                         "File too large; the feed and earlier episodes are untouched"), errors[0]
    assert_untouched(tmp_path, briefing_home, before)
    # And the next run, with room to write, makes the day.
    result = make(published, "--date", TODAY)
    assert result.exit_code == 0, result.output


def run_read_only(config: Path, home: Path, out: Path) -> subprocess.CompletedProcess:
    """`briefing make` with `out` read-only: by permissions, or for root (whom permissions do not
    stop) as a read-only bind mount in a private mount namespace of the child alone."""
    env = {**os.environ, "BRIEFING_HOME": str(home)}
    command = [sys.executable, "-m", "briefing", "--config", str(config), "make", "--date", TODAY]
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [out, *out.rglob("*")] if p.is_dir()}
        for p in modes:
            p.chmod(stat.S_IRUSR | stat.S_IXUSR)
        try:
            return subprocess.run(command, env=env, capture_output=True, text=True, timeout=180)
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
    if not shutil.which("unshare"):
        pytest.skip("running as root without unshare(1): no way to make a folder read-only")
    script = f'mount --bind -o ro "{out}" "{out}" && exec "$@"'
    proc = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", *command], env=env,
                          capture_output=True, text=True, timeout=180)
    if "mount:" in proc.stderr and "Error:" not in proc.stderr:
        pytest.skip(f"cannot mount read-only here: {proc.stderr.strip()}")
    return proc


def test_a_read_only_output_folder(tmp_path, briefing_home, published):
    out = tmp_path / "output"
    before = snapshot(tmp_path, briefing_home)
    proc = run_read_only(published, briefing_home, out)
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    errors = [line for line in proc.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, proc.stderr
    assert "Read-only file system" in errors[0] or "Permission denied" in errors[0], errors[0]
    assert str(out) in errors[0], errors[0]
    assert_untouched(tmp_path, briefing_home, before)
    result = make(published, "--date", TODAY)
    assert result.exit_code == 0, result.output
