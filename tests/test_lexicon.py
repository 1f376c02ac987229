"""The [pronounce] lexicon: parsing, matching, what each engine is given, and Piper's phonemes."""

from __future__ import annotations

import json
import logging

import pytest
from click.testing import CliRunner

from briefing import pipeline
from briefing.script import lexicon
from briefing.cli import cli
from briefing.errors import ConfigError
from briefing.script.lexicon import Entry, Lexicon, from_tables
from conftest import BRIDGE_TEXT, write_show

PIPER = "[[{}]]".format


def lex(**table) -> Lexicon:
    return from_tables((table, "briefing.toml: [pronounce]"))


def test_respelling_whole_word_and_name_case():
    words = from_tables(({"Nguyen": "win", "Bath": "Bahth", "gif": "jif"}, "x"))
    said = words.spoken("Mr Nguyen met NGUYEN in Bath; a bath, Nguyens and a GIF or a gif.")
    assert said == "Mister win met win in Bahth; a bath, Nguyens and a jif or a jif."


def test_phrases_and_longest_first():
    words = from_tables(({"Keir Starmer": "keer STAR-muh", "Keir": "kia"}, "x"))
    assert words.spoken("Keir  Starmer and Keir.") == "keer STAR-muh and kia."


def test_normalisation_still_applies_around_the_words():
    words = lex(Sunak="SOO-nack")
    assert words.spoken("Dr Sunak paid £3.5m on 4 May.") == "Doctor SOO-nack paid three point five million pounds on the fourth of May."


def test_ipa_goes_to_piper_as_phonemes_and_respelling_elsewhere(caplog):
    table = {"Starmer": "/ˈstɑːmə/", "Nguyen": {"ipa": "/wɪn/", "respell": "win"}}
    words = from_tables((table, "x"))
    assert words.spoken("Starmer and Nguyen.", phonemes=PIPER) == "[[ˈstɑːmə]] and [[wɪn]]."
    with caplog.at_level(logging.WARNING, logger="briefing"):
        assert words.spoken("Starmer and Nguyen.", engine="gtts") == "Starmer and win."
    (record,) = [r for r in caplog.records if "pronounce" in r.getMessage()]
    assert record.getMessage() == (
        "[pronounce] 'Starmer' has only IPA, and engine 'gtts' cannot take phonemes: it says the word as "
        'written. Add a respelling: Starmer = { ipa = "/.../", respell = "..." }')


@pytest.mark.parametrize("value, message", [
    ("", 'x Nguyen = \'\': empty pronunciation; write a respelling ("win") or IPA ("/wɪn/")'),
    ("/ /", 'x Nguyen = \'/ /\': the IPA between the slashes is empty; write the phonemes, such as "/ˈstɑːmə/"'),
    ("/wɪn", 'x Nguyen = \'/wɪn\': IPA must be between two slashes, such as "/ˈstɑːmə/"'),
    ("/ʧɪn/", "x Nguyen = '/ʧɪn/': unknown IPA symbol 'ʧ' (U+02A7, latin small letter tesh digraph); write tʃ instead"),
    ("/w§n/", "x Nguyen = '/w§n/': unknown IPA symbol '§' (U+00A7, section sign); use the IPA symbols espeak-ng writes (see README)"),
    (3, "x Nguyen = 3: a pronunciation is a string (\"win\" or \"/wɪn/\") or a table with ipa and respell"),
    ({"say": "win"}, "x Nguyen = {'say': 'win'}: unknown key 'say'; use ipa = \"/.../\" and respell = \"...\""),
])
def test_bad_entries_are_errors_naming_the_entry(value, message):
    with pytest.raises(ConfigError) as e:
        from_tables(({"Nguyen": value}, "x"))
    assert str(e.value) == message


def test_keyboard_g_is_ipa_g():
    assert from_tables(({"Gove": "/ɡəʊv/", "Gwen": "/gwɛn/"}, "x")).entries[1] == Entry("Gwen", ipa="ɡwɛn")


SHOW = """
[pronounce]
Starmer = "/ˈstɑːmə/"
"Maria Lopez" = "ma-REE-ah LOH-peth"
"""

TEXT = BRIDGE_TEXT + "\nKeir Starmer opened the harbour bridge on Monday.\n"


def test_config_reads_pronounce_and_pronunciations_toml(tmp_path):
    path = write_show(tmp_path, extra=SHOW)
    (tmp_path / "pronunciations.toml").write_text('Lopez = "LOH-peth"\nStarmer = "STAR-mer"\n', encoding="utf-8")
    words = pipeline.load_settings(path).lexicon
    assert {e.word: (e.respell, e.ipa) for e in words.entries} == {
        "Lopez": ("LOH-peth", None), "Starmer": (None, "ˈstɑːmə"), "Maria Lopez": ("ma-REE-ah LOH-peth", None)}


def test_a_bad_entry_in_briefing_toml_stops_the_load(tmp_path):
    path = write_show(tmp_path, extra='[pronounce]\nStarmer = "/ˈstɑːmə!/"\n')
    with pytest.raises(ConfigError) as e:
        pipeline.load_settings(path)
    assert str(e.value) == (f"{path}: [pronounce] Starmer = '/ˈstɑːmə!/': unknown IPA symbol '!' "
                            "(U+0021, exclamation mark); use the IPA symbols espeak-ng writes (see README)")


def test_script_json_shows_what_was_said_and_text_stays_as_written(tmp_path):
    path = write_show(tmp_path, engine="piper", extra=SHOW)
    source = tmp_path / "story.txt"
    source.write_text(TEXT, encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(path), "script", str(source), "--format", "json"])
    assert result.exit_code == 0, result.output
    segments = json.loads(result.output)["segments"]
    by_text = {s["text"]: s["spoken"] for s in segments}
    assert by_text["Keir Starmer opened the harbour bridge on Monday."] == "Keir [[ˈstɑːmə]] opened the harbour bridge on Monday."
    said = [s["spoken"] for s in segments if "Maria Lopez" in s["text"]]
    assert said and all("ma-REE-ah LOH-peth" in s and "Maria" not in s for s in said)


@pytest.mark.slow
def test_piper_speaks_the_phonemes_given(tmp_path):
    """Real Piper: the [[ ]] block reaches the model as those phonemes, not espeak's reading."""
    from briefing.speech import engines
    from briefing.speech.engines import Voice

    engine = engines.get("piper")
    model = engine._model(Voice("joe", "piper", {}))
    said = lexicon.from_tables(({"Starmer": "/ˈstɑːmə/"}, "x")).spoken("Keir Starmer spoke.", phonemes=engine.phonemes)
    (phonemes,) = model.phonemize(said)
    assert "".join(phonemes).count("ˈstɑːmə") == 1
    (plain,) = model.phonemize("Keir Starmer spoke.")
    assert "ˈstɑːmə" not in "".join(plain)
    audio = engine.synthesize(said, Voice("joe", "piper", {}))
    assert 0.8 < audio.seconds < 3
