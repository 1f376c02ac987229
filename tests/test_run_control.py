"""Sources in briefing.toml, the run lock, `briefing schedule`, log lines, exit codes in help."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from click.testing import CliRunner
from filelock import FileLock

from briefing import config
from briefing.cli import cli
from briefing.errors import ConfigError
from briefing.sources.feeds import newest, parse
from briefing.logs import Formatter
from briefing.models import SourceSpec
from briefing.sources.gather import expand
from conftest import write_show
from showkit import episodes, make, show, story


# --- [sources] in briefing.toml -----------------------------------------------------------------

def test_paths_and_rich_sources_together(tmp_path):
    path = write_show(tmp_path, extra="""
[sources]
paths = ["sources", "https://example.org/story"]
feed_limit = 3
max_words = 800
[[sources.feed]]
url = "https://example.org/news.rss"
limit = 2
name = "Example News"
[[sources.feed]]
path = "saved/feed.xml"
[[sources.page]]
url = "https://example.org/lead"
name = "Lead"
""")
    s = config.load(path)
    assert s.sources == ("sources", "https://example.org/story")
    assert s.source_specs == (
        SourceSpec("sources"), SourceSpec("https://example.org/story"),
        SourceSpec("https://example.org/news.rss", "feed", 2, "Example News"),
        SourceSpec("saved/feed.xml", "feed", None, None),
        SourceSpec("https://example.org/lead", "page", None, "Lead"),
    )
    assert (s.feed_limit, s.max_words) == (3, 800)


@pytest.mark.parametrize("toml,message", [
    ('[sources]\npaths = "sources"', "[sources].paths must be a list of paths or URLs"),
    ('[sources]\nfeeds = []', "[sources] has unknown key 'feeds'; use paths, feed_limit, max_words, max_articles, [[sources.feed]] or [[sources.page]]"),
    ('[sources]\nmax_articles = 0', "[sources]: max_articles must be a whole number of 1 or more, got 0"),
    ('[sources]\nfeed_limit = 0', "[sources]: feed_limit must be a whole number of 1 or more, got 0"),
    ('[sources]\nmax_words = "many"', "[sources]: max_words must be a whole number of 1 or more, got 'many'"),
    ('[[sources.feed]]\nname = "x"', '[[sources.feed]] number 1 needs exactly one of url = "https://..." or path = "..."'),
    ('[[sources.feed]]\nurl = "a"\npath = "b"', '[[sources.feed]] number 1 needs exactly one of url = "https://..." or path = "..."'),
    ('[[sources.feed]]\nurl = "ftp://x/feed"', "[[sources.feed]] number 1: url must start with http:// or https://, got 'ftp://x/feed'"),
    ('[[sources.feed]]\nurl = "https://x/f"\nlimit = -1', "[[sources.feed]] number 1: limit must be a whole number of 1 or more, got -1"),
    ('[[sources.feed]]\nurl = "https://x/f"\nlimit = true', "[[sources.feed]] number 1: limit must be a whole number of 1 or more, got True"),
    ('[[sources.page]]\nurl = "https://x/a"\nlimit = 3', "[[sources.page]] number 1 has unknown key 'limit'; allowed: name, path, url"),
    ('[[sources.page]]\nurl = "https://x/a"\nname = ""', "[[sources.page]] number 1: name must be a non-empty string, got ''"),
    ('[fetch]\nread_timeout = 0', "[fetch].read_timeout must be a positive number, got 0"),
    ('[fetch]\ntimeout = 5', "[fetch] has unknown key 'timeout'; known: connect_timeout, read_timeout"),
])
def test_bad_sources_config_is_named_with_the_fix(tmp_path, toml, message):
    path = write_show(tmp_path, extra=toml)
    with pytest.raises(ConfigError) as e:
        config.load(path)
    assert str(e.value).startswith(str(path))
    assert message in str(e.value)


def test_invalid_toml_names_the_line_through_make(tmp_path):
    path = tmp_path / "briefing.toml"
    path.write_text('[show]\ntitle = "Morning"\nauthor = Desk\n', encoding="utf-8")
    result = make(path)
    assert result.exit_code == 1
    assert result.output == (f"Error: {path}: invalid TOML: Invalid value (at line 3, column 10). "
                             f"Fix that line and run again\n")


def test_missing_briefing_toml(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["make"])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: no briefing.toml in {tmp_path} or its parents.")


def test_folders_expand_to_articles_and_feeds(tmp_path):
    (tmp_path / "s").mkdir()
    for name in ("b.html", "a.txt", "c.rss", "notes.docx", "photo.jpg"):
        (tmp_path / "s" / name).write_text("x")
    got = expand([SourceSpec("s", name="Desk")], tmp_path)
    assert [(p.location.rsplit("/", 1)[1], p.name) for p in got] == [("a.txt", "Desk"), ("b.html", "Desk"), ("c.rss", "Desk")]


# --- feeds ---------------------------------------------------------------------------------------

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Desk</title><id>urn:x</id><updated>2026-03-03T00:00:00Z</updated>
<entry><title>Old</title><link href="/old"/><id>1</id><updated>2026-03-01T00:00:00Z</updated></entry>
<entry><title>New</title><link href="/new"/><id>2</id><updated>2026-03-03T00:00:00Z</updated></entry>
<entry><title>No link</title><id>tag:x.org,2026:3</id><updated>2026-03-02T00:00:00Z</updated><content type="html">&lt;p&gt;Inline text.&lt;/p&gt;</content></entry>
</feed>"""


def test_atom_items_newest_first_with_relative_links_resolved():
    entries = parse("https://x.org/atom", ATOM.encode(), base="https://x.org/feeds/atom")
    got = [(e.title, e.link) for e in newest(entries, 5)]
    assert got == [("New", "https://x.org/new"), ("No link", None), ("Old", "https://x.org/old")]
    assert newest(entries, 1)[0].feed_title == "Atom Desk"


# --- one run at a time -----------------------------------------------------------------------------

def test_a_second_run_exits_with_a_clear_message_while_the_first_holds_the_lock(tmp_path, briefing_home):
    (tmp_path / "sources").mkdir(exist_ok=True)
    config_path = show(tmp_path, '[sources]\npaths = ["sources"]')
    (tmp_path / "sources" / "one.html").write_text(story(1), encoding="utf-8")
    with FileLock(briefing_home / "make.lock"):
        result = make(config_path, "--date", "2026-03-02")
        waited = make(config_path, "--date", "2026-03-02", "--wait", "0.3")
    assert result.exit_code == 1
    assert result.output.strip().endswith(
        f"Error: another `briefing make` is running for this show (lock {briefing_home / 'make.lock'} is held). "
        f"Let it finish, or pass --wait SECONDS to wait for it")
    assert "is held) after waiting 0.3 s." in waited.output
    assert not (tmp_path / "output" / "feed.xml").exists() and not (briefing_home / "state.sqlite3").exists()


def test_a_second_run_with_wait_runs_after_the_first(tmp_path, briefing_home):
    config_path = show(tmp_path, '[sources]\npaths = ["sources"]')
    (tmp_path / "sources" / "one.html").write_text(story(1), encoding="utf-8")
    lock = FileLock(briefing_home / "make.lock", thread_local=False)  # released from a timer thread
    lock.acquire()
    threading.Timer(0.5, lock.release).start()
    start = time.monotonic()
    result = make(config_path, "--date", "2026-03-02", "--wait", "30")
    assert result.exit_code == 0, result.output
    assert time.monotonic() - start >= 0.45
    assert len(episodes(briefing_home)) == 1


# --- schedule, logs, help --------------------------------------------------------------------------

def test_schedule_prints_cron_and_systemd_units(tmp_path, briefing_home):
    path = write_show(tmp_path)
    result = CliRunner().invoke(cli, ["--config", str(path), "schedule", "--at", "05:45"])
    assert result.exit_code == 0, result.output
    out = result.output
    cron = [line for line in out.splitlines() if line and not line.startswith("#") and line.startswith("45 5 * * * ")]
    assert len(cron) == 1
    assert f"cd {tmp_path} && BRIEFING_HOME={briefing_home} " in cron[0]
    assert f"--quiet --config {path} make --wait 600" in cron[0]
    assert "[Service]\nType=oneshot\n" in out and "SuccessExitStatus=3" in out
    assert f"WorkingDirectory={tmp_path}\n" in out
    assert "[Timer]\nOnCalendar=*-*-* 05:45:00\n" in out and "Persistent=true" in out
    assert "WantedBy=timers.target" in out


@pytest.mark.parametrize("bad", ["25:00", "6", "06:60", "noon"])
def test_schedule_refuses_a_bad_time(tmp_path, bad):
    path = write_show(tmp_path)
    result = CliRunner().invoke(cli, ["--config", str(path), "schedule", "--at", bad])
    assert result.exit_code == 1
    assert f"Error: --at must be a time of day as HH:MM (24-hour clock), like 06:30; got {bad!r}" in result.output


def test_log_lines_for_cron_mail_and_for_the_journal():
    record = logging.LogRecord("briefing", logging.WARNING, __file__, 1, "skipped %s:\nsecond line", ("x",), None)
    assert Formatter(journal=False).format(record) == "briefing: warning: skipped x: second line"
    assert Formatter(journal=True).format(record) == "<4>skipped x: second line"


def test_quiet_make_prints_nothing_when_all_is_well(tmp_path, briefing_home):
    config_path = show(tmp_path, '[sources]\npaths = ["sources"]')
    (tmp_path / "sources" / "one.html").write_text(story(1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--quiet", "--config", str(config_path), "make", "--date", "2026-03-02"])
    assert result.exit_code == 0
    assert result.output == ""


def test_make_help_documents_the_exit_codes():
    out = CliRunner().invoke(cli, ["make", "--help"]).output
    assert "Exit status:" in out
    assert "0  the episode was made from every source" in out
    assert "3  the episode was made, but some sources were skipped" in out
    assert "1  nothing was made" in out


def test_a_state_folder_that_is_a_file_is_a_clear_error_not_a_traceback(tmp_path, monkeypatch):
    config_path = show(tmp_path, '[sources]\npaths = ["sources"]')
    (tmp_path / "sources" / "one.html").write_text(story(1), encoding="utf-8")
    not_a_folder = tmp_path / "home-is-a-file"
    not_a_folder.write_text("oops", encoding="utf-8")
    monkeypatch.setenv("BRIEFING_HOME", str(not_a_folder))
    result = CliRunner().invoke(cli, ["--config", str(config_path), "make", "--date", "2026-03-02"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and not isinstance(result.exception, OSError)
    assert f"cannot write {not_a_folder}" in result.output
    assert "BRIEFING_HOME" in result.output and "untouched" in result.output


def test_an_output_path_that_is_a_file_is_a_clear_error(tmp_path, briefing_home):
    config_path = show(tmp_path, '[sources]\npaths = ["sources"]')
    (tmp_path / "sources" / "one.html").write_text(story(1), encoding="utf-8")
    (tmp_path / "output").write_text("not a folder", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config_path), "make", "--date", "2026-03-02"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and not isinstance(result.exception, OSError)
    assert "cannot write" in result.output and str(tmp_path / "output") in result.output
    assert (tmp_path / "output").read_text(encoding="utf-8") == "not a folder"
