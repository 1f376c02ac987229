from pathlib import Path

import pytest
from click.testing import CliRunner

from briefing import config
from briefing.cli import cli
from briefing.errors import ConfigError
from conftest import write_show


def test_defaults_load_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = config.load()
    assert s.narrator == "joe"
    assert s.narrator not in s.quote_voices
    assert s.show.base_url.endswith("/")
    assert [v.name for v in s.cast] == [s.narrator, *s.quote_voices]


def test_producer_file_overrides_defaults(show):
    s = config.load(show)
    assert s.show.title == "Test Show"
    assert s.voices["ada"].engine == "silence"
    assert s.audio.loudness_lufs == -16.0  # untouched default survives the merge
    assert s.root == show.parent.resolve()


def test_invalid_toml_names_file_and_line(tmp_path):
    bad = tmp_path / "briefing.toml"
    bad.write_text('[show]\ntitle = "ok"\nauthor = = "x"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        config.load(bad)
    assert str(bad) in str(e.value)
    assert "line 3" in str(e.value)


def test_relative_base_url_is_refused(tmp_path):
    path = write_show(tmp_path)
    path.write_text(path.read_text().replace("http://127.0.0.1:8000/pod/", "pod/"))
    with pytest.raises(ConfigError, match=r"base_url must be an absolute http\(s\) URL"):
        config.load(path)


def test_narrator_cannot_voice_quotes(tmp_path):
    path = write_show(tmp_path, extra="")
    path.write_text(path.read_text().replace('quotes = ["ada", "ben", "cleo", "dan"]', 'quotes = ["joe", "ada"]'))
    with pytest.raises(ConfigError, match="narrator voice 'joe' is also a quote voice"):
        config.load(path)


def test_make_without_config_says_how_to_fix(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["make"])
    assert result.exit_code == 1
    assert "Error: no briefing.toml in" in result.output
    assert "Traceback" not in result.output


def test_make_with_invalid_toml_names_line(tmp_path, monkeypatch):
    (tmp_path / "briefing.toml").write_text("[show\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["make"])
    assert result.exit_code == 1
    assert "invalid TOML" in result.output and "line 1" in result.output


def test_missing_config_path_given_explicitly(tmp_path):
    result = CliRunner().invoke(cli, ["--config", str(tmp_path / "nope.toml"), "make"])
    assert result.exit_code == 1
    assert "does not exist" in result.output


def test_a_relative_voice_model_is_resolved_against_the_config_folder(tmp_path):
    path = write_show(tmp_path, extra="")
    path.write_text(path.read_text().replace('[voices.ada]\nengine = "silence"', '[voices.ada]\nengine = "piper"\nmodel = "voices/x.onnx"'))
    s = config.load(path)
    assert s.voices["ada"].option("model") == str((tmp_path / "voices" / "x.onnx").resolve())
