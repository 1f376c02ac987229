"""Shared test setup: no internet, state in a temporary home, a quick silent show."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED = SHARED / "seeds" / "000_5440ee967bd20389.txt"
SEED_EXPECTED = SHARED / "seeds" / "000_5440ee967bd20389.expected.json"

# The one command that installs what tests/test_pages_browser.py needs (Debian's packages).
BROWSER_INSTALL = "apt-get install -y chromium chromium-driver"

_real_connect = socket.socket.connect


def _loopback(address) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0]
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address):
        raise ConnectionRefusedError(f"tests may only connect to 127.0.0.1, not {address!r}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """Every test may reach 127.0.0.1 only."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)


@pytest.fixture(scope="session", autouse=True)
def user_cache(tmp_path_factory):
    """The per-user cache (prepared voices) in one folder for the whole session, never ~/.cache.
    Session-wide, so module fixtures and the worker processes they start use it too."""
    with pytest.MonkeyPatch.context() as mp:
        folder = tmp_path_factory.mktemp("user-cache")
        mp.setenv("XDG_CACHE_HOME", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def briefing_home(tmp_path_factory, monkeypatch) -> Path:
    """State and cache in a fresh folder, never the developer's."""
    home = tmp_path_factory.mktemp("briefing-home")
    monkeypatch.setenv("BRIEFING_HOME", str(home))
    monkeypatch.delenv("BRIEFING_CONFIG", raising=False)
    return home


def cast_toml(engine: str, narrator: str = "joe", quotes: tuple[str, ...] = ("ada", "ben", "cleo", "dan")) -> str:
    """A [cast] and its [voices.*] tables, every voice spoken by `engine` with no options."""
    names = ", ".join(f'"{q}"' for q in quotes)
    voices = "".join(f'[voices.{v}]\nengine = "{engine}"\n' for v in (narrator, *quotes))
    return f'\n[cast]\nengine = "{engine}"\nnarrator = "{narrator}"\nquotes = [{names}]\n{voices}'


SILENT_CAST = cast_toml("silence")

# A short raw-text article with one speaker quoted twice, for runs where content is secondary.
BRIDGE_TEXT = """Harbour bridge reopens after repairs

By Ana Ruiz

The harbour bridge reopened to traffic on Monday after three months of repairs to its steel deck, the city council said.

“We are delighted to have the bridge back,” said Maria Lopez, the council's head of transport. “Drivers will notice a much smoother crossing.”

The work cost less than expected and finished a week early.
"""


def write_show(folder: Path, *, engine: str = "silence", extra: str = "", title: str = "Test Show") -> Path:
    """A show folder with briefing.toml and an empty sources/; returns the config path."""
    (folder / "sources").mkdir(parents=True, exist_ok=True)
    cast = SILENT_CAST if engine == "silence" else ""
    config = folder / "briefing.toml"
    config.write_text(
        f"""
[show]
title = {title!r}
author = "Test Desk"
description = "A test show."
language = "en"
base_url = "http://127.0.0.1:8000/pod/"
email = "test@example.org"
{cast}
{extra}
""",
        encoding="utf-8",
    )
    return config


@pytest.fixture
def show(tmp_path) -> Path:
    """A silent-engine show folder in tmp_path; returns its briefing.toml."""
    return write_show(tmp_path)


@pytest.fixture
def seed_text() -> str:
    if not SEED.is_file():
        pytest.fail(f"the sample article is missing: expected {SEED} (the repo's sibling shared/)")
    return SEED.read_text(encoding="utf-8")


def pytest_terminal_summary(terminalreporter):
    """Say plainly which browser tests did not run, and how to make them run."""
    skipped = [r for r in terminalreporter.stats.get("skipped", []) if "browser" in getattr(r, "keywords", {})]
    if not skipped:
        return
    terminalreporter.section("browser tests not run")
    for report in skipped:
        terminalreporter.write_line(f"not run: {report.nodeid}")
    terminalreporter.write_line(f"They need Chromium and its driver: {BROWSER_INSTALL} (as root), then make test")
