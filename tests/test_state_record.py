"""The state database is the published record: an emptied, garbled or lost one is refused when
feed.xml has episodes, and `briefing state rebuild` makes it again from feed.xml and the folders."""

from __future__ import annotations

import sqlite3

import feedparser
from click.testing import CliRunner
from conftest import BRIDGE_TEXT, write_show

from briefing.cli import cli

SECOND = BRIDGE_TEXT.replace("Harbour bridge reopens after repairs", "Ferry service returns to the island") \
    .replace("bridge", "ferry")


def _make(cfg, day, *sources):
    return CliRunner().invoke(cli, ["--config", str(cfg), "make", "--date", day, *sources])


def _published(tmp_path, briefing_home):
    """Two published episodes (one article each); returns (config, db, feed.xml)."""
    cfg = write_show(tmp_path)
    src = tmp_path / "sources"
    (src / "bridge.txt").write_text(BRIDGE_TEXT, "utf-8")
    assert _make(cfg, "2026-11-20").exit_code == 0
    (src / "ferry.txt").write_text(SECOND, "utf-8")
    result = _make(cfg, "2026-11-21")
    assert result.exit_code == 0, result.output
    return cfg, briefing_home / "state.sqlite3", tmp_path / "output" / "feed.xml"


def _guids(feed_xml):
    return [e.id for e in feedparser.parse(feed_xml.read_bytes()).entries]


def test_an_emptied_state_file_is_refused_and_nothing_changes(tmp_path, briefing_home):
    cfg, db, feed_xml = _published(tmp_path, briefing_home)
    before = feed_xml.read_bytes()
    db.write_bytes(b"")
    result = _make(cfg, "2026-11-22")
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        f"Error: {db} is empty, but {feed_xml} lists 2 published episodes: restore it from a backup, "
        "or run `briefing state rebuild` to rebuild it from feed.xml and the episode folders")
    assert feed_xml.read_bytes() == before


def test_a_lost_state_file_is_refused(tmp_path, briefing_home):
    cfg, db, feed_xml = _published(tmp_path, briefing_home)
    db.unlink()
    result = _make(cfg, "2026-11-22")
    assert result.exit_code == 1
    assert f"Error: {db} is missing, but {feed_xml} lists 2 published episodes: " in result.output


def test_a_garbled_state_file_is_a_clear_error_not_a_traceback(tmp_path, briefing_home):
    cfg, db, _ = _published(tmp_path, briefing_home)
    db.write_bytes(b"this is not sqlite at all " * 200)
    result = _make(cfg, "2026-11-22")
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert (f"Error: {db} is not a readable state database (file is not a database): restore it from a "
            "backup, or run `briefing state rebuild`") in result.output


def test_rebuild_restores_the_record_and_the_next_run_keeps_the_feed(tmp_path, briefing_home):
    cfg, db, feed_xml = _published(tmp_path, briefing_home)
    with sqlite3.connect(db) as conn:
        episodes_before = conn.execute("SELECT * FROM episodes ORDER BY date").fetchall()
        articles_before = conn.execute("SELECT url, hash, episode_date FROM articles ORDER BY url").fetchall()
    guids = _guids(feed_xml)
    db.write_bytes(b"")

    result = CliRunner().invoke(cli, ["--config", str(cfg), "state", "rebuild"])
    assert result.exit_code == 0, result.output
    assert f"rebuilt {db}: 2 episodes, 2 articles" in result.output
    assert list(db.parent.glob("state.sqlite3.broken-*"))
    with sqlite3.connect(db) as conn:
        after = conn.execute("SELECT * FROM episodes ORDER BY date").fetchall()
        assert conn.execute("SELECT url, hash, episode_date FROM articles ORDER BY url").fetchall() == articles_before
    # guid, title, mp3, size, first publication, number, files are as they were
    assert [r[:5] + r[6:8] + r[9:] for r in after] == [r[:5] + r[6:8] + r[9:] for r in episodes_before]
    assert [abs(a[5] - b[5]) < 1 for a, b in zip(after, episodes_before)] == [True, True]

    # the old stories are not briefed again, and the published episodes stay in the feed
    result = _make(cfg, "2026-11-22")
    assert result.exit_code == 1 and "nothing new to brief" in result.output
    (tmp_path / "sources" / "new.txt").write_text(
        BRIDGE_TEXT.replace("Harbour bridge reopens after repairs", "Library opens a new wing").replace("bridge", "library"), "utf-8")
    result = _make(cfg, "2026-11-22")
    assert result.exit_code == 0, result.output
    assert "already briefed on 2026-11-20" in result.output and "already briefed on 2026-11-21" in result.output
    assert _guids(feed_xml)[1:] == guids


def test_rebuild_without_a_feed_says_so(tmp_path):
    cfg = write_show(tmp_path)
    result = CliRunner().invoke(cli, ["--config", str(cfg), "state", "rebuild"])
    assert result.exit_code == 1
    assert f"Error: {tmp_path / 'output' / 'feed.xml'} is missing: there is no published record" in result.output
