"""ID3 tags on the episode MP3: metadata, cover and chapters equal to the JSON chapters."""

from __future__ import annotations

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from briefing.publish.artwork import generate, thumbnail
from briefing.audio.encode import encode_mp3
from briefing.models import Audio, Chapter
from briefing.audio.tags import comment_for, read_chapters, write
from briefing.publish.transcript import chapters_doc


@pytest.fixture(scope="module")
def mp3(tmp_path_factory):
    path = tmp_path_factory.mktemp("tags") / "ep.mp3"
    rate = 22050
    t = np.arange(rate * 6, dtype=np.float32) / rate
    return encode_mp3(Audio((0.1 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), rate), path)


CHAPTERS = (
    Chapter("Introduction", 0.0, 1.25),
    Chapter("Harbour bridge reopens & more", 1.25, 4.0, "https://example.org/bridge"),
    Chapter("Outro", 4.0, 6.0),
)


def test_tags_and_chapters_read_back_equal_to_the_json_chapters(mp3, tmp_path):
    cover_path = tmp_path / "cover.jpg"
    cover_path.write_bytes(generate("Test Show", size=1400))
    cover = thumbnail(cover_path.read_bytes())
    write(mp3, title="Test Show, Friday 20 November 2026", artist="Test Desk", album="Test Show",
          date="2026-11-20", chapters=CHAPTERS, comment="In this briefing:\nHarbour bridge", cover=cover)

    tags = ID3(mp3)
    assert tags.version[:2] == (2, 4)
    assert str(tags["TIT2"]) == "Test Show, Friday 20 November 2026"
    assert str(tags["TPE1"]) == "Test Desk"
    assert str(tags["TALB"]) == "Test Show"
    assert str(tags["TDRC"]) == "2026-11-20"
    assert tags.getall("COMM")[0].text[0] == "In this briefing:\nHarbour bridge"
    apic = tags.getall("APIC")[0]
    assert apic.mime == "image/jpeg" and apic.type == 3 and apic.data == cover[0]
    assert apic.data[:3] == b"\xff\xd8\xff"

    toc = tags.getall("CTOC")
    assert len(toc) == 1 and toc[0].child_element_ids == ["chp0", "chp1", "chp2"]
    doc = chapters_doc(CHAPTERS)
    got = read_chapters(mp3)
    assert [(c.title, c.start_ms, c.end_ms, c.url) for c in got] == [
        (c["title"], round(c["startTime"] * 1000), round(c["endTime"] * 1000), c.get("url"))
        for c in doc["chapters"]
    ]
    # still a playable MP3 of the right length
    assert MP3(mp3).info.length == pytest.approx(6.0, abs=0.1)


def test_tagging_twice_replaces_rather_than_duplicates(mp3):
    for title in ("First", "Second"):
        write(mp3, title=title, artist="A", album="B", date="2026-11-20", chapters=CHAPTERS[:2])
    tags = ID3(mp3)
    assert tags.getall("TIT2")[0].text == ["Second"]
    assert len(tags.getall("CHAP")) == 2 and len(tags.getall("CTOC")) == 1
    assert not tags.getall("APIC")


def test_hostile_titles_survive_in_tags(mp3):
    title = 'Bombs & <b>bold</b> "quotes" \x00\x1b 😀 \u05e9\u05dc\u05d5\u05dd'
    write(mp3, title=title, artist="A", album="B", date="2026-11-20",
          chapters=(Chapter(title, 0.0, 6.0),))
    assert str(ID3(mp3)["TIT2"]) == 'Bombs & <b>bold</b> "quotes" 😀 \u05e9\u05dc\u05d5\u05dd'
    assert read_chapters(mp3)[0].title == 'Bombs & <b>bold</b> "quotes" 😀 \u05e9\u05dc\u05d5\u05dd'


def test_comment_lists_articles_with_bylines_and_links():
    from briefing.models import Article

    text = comment_for([Article("A", (), byline="Ana", url="https://e.org/a"), Article("B", ())])
    assert text == "In this briefing:\nA — by Ana (https://e.org/a)\nB"
