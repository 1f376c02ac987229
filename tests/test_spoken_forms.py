"""Spoken forms a newsreader uses (issue 24): one table per rule, and the script keeps the written text."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from briefing.cli import cli
from briefing.script.normalize import spoken

TABLES = {
    "money with decimals": [
        ("It cost £4.50 today.", "It cost four pounds fifty today."),
        ("It cost 4.50 pounds.", "It cost four pounds fifty."),
        ("Tickets are 3.80 pounds.", "Tickets are three pounds eighty."),
        ("Coffee is $3.05.", "Coffee is three dollars five."),
        ("£1.01", "one pound one"),
        ("£0.50", "fifty pence"),
        ("£3.00", "three pounds"),
    ],
    "magnitudes": [
        ("It drew 1.5m visitors.", "It drew one point five million visitors."),
        ("A £2.5bn plan.", "A two point five billion pounds plan."),
        ("Some 3.2k people.", "Some three point two thousand people."),
        ("a 40m road", "a forty million road"),
    ],
    "dates": [
        ("On 5 January the", "On the fifth of January the"),
        ("on the 5th of January", "on the fifth of January"),
        ("On January 5 the", "On January fifth the"),
    ],
    "votes and scores": [
        ("They voted 9-2 to approve.", "They voted nine to two to approve."),
        ("City won 3-1 on Sunday.", "City won three one on Sunday."),
        ("United beat Leeds 2-0.", "United beat Leeds two nil."),
        ("a 4-2 win", "a four two win"),
    ],
    "number ten": [
        ("No 10 said", "Number ten said"),
        ("No. 5 in the charts", "number five in the charts"),
    ],
    "titles and companies": [
        ("Cllr Jane Smith", "Councillor Jane Smith"),
        ("Sen. Warren said", "Senator Warren said"),
        ("Rep. Ocasio", "Representative Ocasio"),
        ("Gov. Newsom", "Governor Newsom"),
        ("Acme Ltd said", "Acme Limited said"),
        ("Tesco plc", "Tesco P L C"),
        ("Apple Inc. said", "Apple Incorporated said"),
        ("They sued Apple Inc. The case", "They sued Apple Incorporated. The case"),
    ],
    "ranges": [
        ("in 2019-20 the", "in twenty nineteen to twenty the"),
        ("about 10-15 people", "about ten to fifteen people"),
        ("from 1990-1995", "from nineteen ninety to nineteen ninety-five"),
    ],
    "times": [
        ("at 9.30am", "at nine thirty a m"),
        ("at 14:30", "at fourteen thirty"),
        ("at 6pm", "at six p m"),
    ],
    "left alone": [
        ("Covid-19 cases", "Covid-nineteen cases"),
        ("the 2-1-2 formation", "the two-one-two formation"),
    ],
}


@pytest.mark.parametrize("written,said", [row for rows in TABLES.values() for row in rows],
                         ids=[f"{k}: {w}" for k, rows in TABLES.items() for w, _ in rows])
def test_spoken_form(written, said):
    assert spoken(written) == said


def test_script_keeps_the_written_form_in_text(tmp_path, show):
    article = tmp_path / "sources" / "fares.txt"
    article.write_text(
        "Fares rise on the ferry\n\nBy Ana Ruiz\n\n"
        "Cllr Jane Smith said on 5 January that a single fare would rise to £4.50, "
        "after the council voted 9-2 for the plan, which drew 1.5m passengers.\n\n"
        "No 10 declined to comment on the rise, which Acme Ltd will run in 2019-20.\n",
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(show), "script", str(article), "--format", "json"])
    assert result.exit_code == 0, result.output
    segments = json.loads(result.output)["segments"]
    text = " ".join(s["text"] for s in segments)
    said = " ".join(s["spoken"] for s in segments)
    for written in ("Cllr Jane Smith", "5 January", "£4.50", "9-2", "1.5m", "No 10", "Acme Ltd", "2019-20"):
        assert written in text
    for words in ("Councillor Jane Smith", "the fifth of January", "four pounds fifty", "nine to two",
                  "one point five million", "Number ten", "Acme Limited", "twenty nineteen to twenty"):
        assert words in said
