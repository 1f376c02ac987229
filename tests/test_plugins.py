"""Engine plugins: a package declaring a `briefing.engines` entry point is found, listed by
`briefing voices` and speaks; a voice naming an engine that is not installed is a config error."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing import pipeline
from briefing.speech import engines
from briefing.cli import cli
from briefing.errors import ConfigError
from conftest import REPO, write_show

# The README's example engine, word for word (test_readme_shows_this_plugin checks it).
PLUGIN = '''\
import numpy as np

from briefing.models import Audio


class ToneEngine:
    """Says every word as a short beep: a plugin engine in twenty lines."""

    id = "tone"
    needs_network = False
    needs_key = False
    voice_options = {"hz": "pitch of the beep (default 440)"}

    def version(self) -> str:
        return "tone-1"  # part of every clip's cache key: bump it when the sound changes

    def synthesize(self, text, voice):
        rate, hz = 16000, float(voice.option("hz", 440))
        t = np.arange(int(0.15 * rate)) / rate
        beep = np.concatenate([0.3 * np.sin(2 * np.pi * hz * t), np.zeros(rate // 20)])
        return Audio(np.tile(beep, len(text.split())).astype(np.float32), rate)


def register_engines(register):
    register("tone", ToneEngine)
'''

ENTRY_POINTS = "[briefing.engines]\ntone = briefing_tone:register_engines\n"


def install_plugin(site: Path) -> Path:
    """A distribution on a path entry: the package and its .dist-info with the entry point,
    as pip leaves them in site-packages."""
    (site / "briefing_tone").mkdir(parents=True)
    (site / "briefing_tone" / "__init__.py").write_text(PLUGIN, encoding="utf-8")
    info = site / "briefing_tone-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: briefing-tone\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(ENTRY_POINTS, encoding="utf-8")
    return site


TONE_CAST = """
[cast]
engine = "tone"
narrator = "high"
quotes = ["low"]
[voices.high]
hz = 880
[voices.low]
hz = 220
"""


def run(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), str(REPO / "src")]))
    return subprocess.run([sys.executable, "-m", "briefing", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_plugin_engine_is_listed_and_speaks(tmp_path):
    site = install_plugin(tmp_path / "site")
    show = write_show(tmp_path / "show", engine="tone", extra=TONE_CAST)
    listed = run(site, "--config", str(show), "voices", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split()[:5] == ["narrator", "high", "tone", "ready:", "nothing"]
    assert "  tone       plugin briefing-tone 0.1" in lines
    demo = run(site, "--config", str(show), "voices", "--demo", str(tmp_path / "demo"), cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    with wave.open(str(tmp_path / "demo" / "narrator.wav")) as w:
        words = len(__import__("briefing.speech.voices", fromlist=["PASSAGE"]).PASSAGE.split())
        assert w.getframerate() == 16000
        assert w.getnframes() == words * (2400 + 800)
    said = run(site, "--config", str(show), "say", "three beeps here", "--voice", "low", "-o", "beeps.wav", cwd=tmp_path)
    assert said.returncode == 0, said.stderr
    assert said.stdout == "beeps.wav (0.6 s, voice low)\n"


def test_without_the_plugin_its_engine_is_a_config_error(tmp_path):
    show = write_show(tmp_path, engine="tone", extra=TONE_CAST)
    with pytest.raises(ConfigError) as e:
        pipeline.load_settings(show)
    assert str(e.value) == (
        f"{show}: [voices.high] engine 'tone' is not installed; installed engines: "
        f"{', '.join(engines.available())}. Fix the name or install the package that provides it"
    )
    listed = str(e.value).split("installed engines: ", 1)[1].split(". Fix", 1)[0].split(", ")
    assert {"gtts", "openai", "piper", "silence"} <= set(listed)  # with any registered by other tests
    result = CliRunner().invoke(cli, ["--config", str(show), "make", str(tmp_path / "nothing.txt")])
    assert result.exit_code == 1
    assert result.output == f"Error: {e.value}\n"


def test_readme_shows_this_plugin():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert PLUGIN in readme
    assert textwrap.dedent(ENTRY_POINTS).splitlines()[0] in readme
