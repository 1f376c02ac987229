"""WebVTT transcripts and Podcasting 2.0 JSON chapters from a track's cues and chapters."""

from __future__ import annotations

import json

from briefing.models import Chapter, Cue
from briefing.publish.transcript import chapters_doc, timestamp, webvtt, write_chapters


def test_timestamps_always_carry_hours_and_milliseconds():
    assert timestamp(0) == "00:00:00.000"
    assert timestamp(61.2345) == "00:01:01.234"
    assert timestamp(3725.5) == "01:02:05.500"


def test_one_cue_per_segment_with_its_speaker_and_escaped_text():
    cues = [
        Cue(0.0, 2.5, "Good morning & welcome.", None),
        Cue(3.0, 5.25, 'He said "a <b> --> c"\nthen left.', "Maria Lopez"),
        Cue(5.5, 6.0, "Ping\x07 \u202bשלום\u202c 😀", "Dr <Who>"),
    ]
    doc = webvtt(cues)
    assert doc.endswith("\n")
    blocks = doc.rstrip("\n").split("\n\n")
    assert blocks[0] == "WEBVTT"
    assert blocks[1] == "1\n00:00:00.000 --> 00:00:02.500\n<v Narrator>Good morning &amp; welcome."
    assert blocks[2] == (
        "2\n00:00:03.000 --> 00:00:05.250\n"
        '<v Maria Lopez>He said "a &lt;b&gt; --&gt; c" then left.'
    )
    # control characters go; RTL text, bidi marks and emoji stay
    assert blocks[3] == "3\n00:00:05.500 --> 00:00:06.000\n<v Dr &lt;Who&gt;>Ping \u202bשלום\u202c 😀"
    # exactly one "-->" per cue: the timing line
    assert doc.count("-->") == 3


def test_json_chapters_follow_the_podcasting_2_spec(tmp_path):
    chapters = [
        Chapter("Introduction", 0.0, 10.0),
        Chapter("Bridge & <tunnel>", 10.0, 70.5, "https://example.org/a?b=1&c=2"),
        Chapter("Outro", 70.5, 80.0),
    ]
    path = write_chapters(tmp_path / "x.chapters.json", chapters, title="Ep 1", podcast="Show")
    doc = json.loads(path.read_text("utf-8"))
    assert doc == chapters_doc(chapters, title="Ep 1", podcast="Show")
    assert doc["version"] == "1.2.0"
    assert doc["title"] == "Ep 1" and doc["podcastName"] == "Show"
    assert [c["startTime"] for c in doc["chapters"]] == [0.0, 10.0, 70.5]
    assert [c["title"] for c in doc["chapters"]] == ["Introduction", "Bridge & <tunnel>", "Outro"]
    assert doc["chapters"][1]["url"] == "https://example.org/a?b=1&c=2"
    assert "url" not in doc["chapters"][0]
