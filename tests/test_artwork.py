"""Show artwork: the producer's image checked as podcast directories check it, or a generated one."""

from __future__ import annotations

import pytest
from PIL import Image

from briefing.publish.artwork import cover, write_cover
from briefing.errors import ConfigError


def ensure_cover(image, output, title, author=""):
    """The cover as a run publishes it: drawn or checked, then written to `output`."""
    return write_cover(output, cover(image, title, author))


def _image(path, size, fmt):
    Image.new("RGB", size, (200, 30, 30)).save(path, fmt)
    return path


def test_generated_cover_is_a_3000px_square_jpeg(tmp_path):
    cover = ensure_cover(None, tmp_path / "out", "Test Show", "Test Desk")
    assert cover == tmp_path / "out" / "cover.jpg"
    with Image.open(cover) as im:
        assert (im.format, im.size) == ("JPEG", (3000, 3000))
        # not blank: the title is drawn in light ink on the dark ground
        assert im.convert("L").getextrema()[1] > 200


def test_generated_cover_is_rewritten_only_when_it_changes(tmp_path):
    first = ensure_cover(None, tmp_path, "Same Title")
    stamp = first.stat().st_mtime_ns
    assert ensure_cover(None, tmp_path, "Same Title").stat().st_mtime_ns == stamp
    before = first.read_bytes()
    assert ensure_cover(None, tmp_path, "Another Title").read_bytes() != before


@pytest.mark.parametrize("size, fmt", [((1400, 1400), "PNG"), ((3000, 3000), "JPEG")])
def test_a_good_producer_image_is_published_as_is(tmp_path, size, fmt):
    ext = ".png" if fmt == "PNG" else ".jpg"
    src = _image(tmp_path / f"art{ext}", size, fmt)
    out = tmp_path / "out"
    out.mkdir()
    (out / "cover.jpg").write_bytes(b"stale")  # a generated cover from before
    cover = ensure_cover(src, out, "Test Show")
    assert cover == out / f"cover{ext}"
    assert cover.read_bytes() == src.read_bytes()
    assert [p.name for p in out.iterdir()] == [cover.name]


@pytest.mark.parametrize(
    "size, fmt, message",
    [
        ((1400, 1500), "PNG", "is 1400x1500 px; podcast apps need a square image. Crop it to square, 1400-3000 px a side"),
        ((1000, 1000), "JPEG", "is 1000x1000 px; podcast apps need 1400 to 3000 px a side. Resize it and run again"),
        ((3200, 3200), "PNG", "is 3200x3200 px; podcast apps need 1400 to 3000 px a side. Resize it and run again"),
        ((1400, 1400), "GIF", "is GIF; podcast apps need JPEG or PNG. Convert it and run again"),
    ],
)
def test_a_wrong_producer_image_is_a_clear_error(tmp_path, size, fmt, message):
    src = _image(tmp_path / "art.img", size, fmt)
    with pytest.raises(ConfigError) as e:
        ensure_cover(src, tmp_path / "out", "Test Show")
    assert str(e.value) == f"[show].image {src} {message}"


def test_a_missing_or_unreadable_image_says_so(tmp_path):
    with pytest.raises(ConfigError, match=r"does not exist\. Fix the path in briefing.toml"):
        ensure_cover(tmp_path / "nope.png", tmp_path / "out", "T")
    bad = tmp_path / "bad.png"
    bad.write_text("not an image")
    with pytest.raises(ConfigError, match=r"is not a readable image .*Use a square JPEG or PNG, 1400-3000 px"):
        ensure_cover(bad, tmp_path / "out", "T")


@pytest.mark.parametrize("size, fmt", [((3000, 3000), "JPEG"), ((1400, 1400), "PNG")])
def test_the_embedded_copy_is_a_600px_jpeg_that_looks_like_the_cover(tmp_path, size, fmt):
    # A JPEG cover is decoded at reduced size (draft mode) on the way to the thumbnail.
    import io

    import numpy as np

    from briefing.publish.artwork import EMBED_PX, generate, thumbnail

    path = tmp_path / f"cover.{fmt.lower()}"
    with Image.open(io.BytesIO(generate("A Show With A Title", "Desk", size=size[0]))) as im:
        im.save(path, fmt)
    data, mime = thumbnail(path.read_bytes())
    assert mime == "image/jpeg"
    with Image.open(io.BytesIO(data)) as small, Image.open(path) as full:
        assert (small.format, small.size) == ("JPEG", (EMBED_PX, EMBED_PX))
        reference = np.asarray(full.convert("RGB").resize((EMBED_PX, EMBED_PX), Image.LANCZOS), dtype=float)
        assert np.abs(np.asarray(small, dtype=float) - reference).mean() < 3
