"""Show artwork: the producer's image, checked against what podcast directories accept, or a
generated cover with the show's title.

Apple Podcasts and most directories want a square JPEG or PNG between 1400 and 3000 pixels on a
side; anything else gets a show rejected, so a wrong image is an error that says how to fix it.
"""

from __future__ import annotations

import hashlib
import io
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from briefing import atomic
from briefing.errors import ConfigError
from briefing.safe_text import one_line

MIN_PX, MAX_PX = 1400, 3000
GENERATED_PX = 3000
FORMATS = {"JPEG": ".jpg", "PNG": ".png"}
COVER_STEM = "cover"
# The embedded copy in each MP3 only has to look right in a player's now-playing view; the
# full-size image is linked from the feed. 600 px keeps each episode ~50 kB lighter.
EMBED_PX = 600
# Colours of the generated cover: a dark ground with light type reads at thumbnail size.
BACKGROUND = (18, 32, 56)
ACCENT = (229, 72, 77)
INK = (245, 245, 240)
# Fonts tried in order for the generated cover; DejaVu covers most scripts. Pillow's bundled
# font is the fallback everywhere.
FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf",
    "DejaVuSans-Bold.ttf",
)


def check_image(path: Path) -> str:
    """The image's format ("JPEG" or "PNG") if podcast directories accept it; else ConfigError."""
    from PIL import Image, UnidentifiedImageError

    where = f"[show].image {path}"
    try:
        with Image.open(path) as im:
            fmt, (w, h) = im.format, im.size
    except FileNotFoundError:
        raise ConfigError(f"{where} does not exist. Fix the path in briefing.toml, or remove the key for a generated cover") from None
    except (UnidentifiedImageError, OSError) as e:
        raise ConfigError(f"{where} is not a readable image ({e}). Use a square JPEG or PNG, {MIN_PX}-{MAX_PX} px") from None
    if fmt not in FORMATS:
        raise ConfigError(f"{where} is {fmt}; podcast apps need JPEG or PNG. Convert it and run again")
    if w != h:
        raise ConfigError(f"{where} is {w}x{h} px; podcast apps need a square image. Crop it to square, {MIN_PX}-{MAX_PX} px a side")
    if not MIN_PX <= w <= MAX_PX:
        raise ConfigError(f"{where} is {w}x{h} px; podcast apps need {MIN_PX} to {MAX_PX} px a side. Resize it and run again")
    return fmt


def _font(size: int):
    from PIL import ImageFont

    for name in FONTS:
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size=size)


def generate(title: str, author: str = "", *, size: int = GENERATED_PX) -> bytes:
    """A square JPEG cover with the show's title (wrapped and centred) and author."""
    from PIL import Image, ImageDraw

    title = one_line(title) or "Briefing"
    im = Image.new("RGB", (size, size), BACKGROUND)
    draw = ImageDraw.Draw(im)
    margin = size // 10
    width = size - 2 * margin
    # Largest type that fits the title in at most four lines inside the margins.
    for font_px in range(size // 6, size // 30, -size // 100):
        font = _font(font_px)
        chars = max(4, int(width / (font_px * 0.55)))
        lines = textwrap.wrap(title, chars, break_long_words=True) or [title]
        widths = [draw.textlength(line, font=font) for line in lines]
        if len(lines) <= 4 and max(widths) <= width:
            break
    line_h = int(font_px * 1.15)
    top = (size - line_h * len(lines)) // 2
    draw.rectangle([margin, top - size // 25, margin + size // 6, top - size // 25 + size // 100], fill=ACCENT)
    for i, line in enumerate(lines):
        draw.text((margin, top + i * line_h), line, font=font, fill=INK)
    if author and one_line(author) != title:
        small = _font(size // 30)
        draw.text((margin, size - margin), one_line(author), font=small, fill=INK, anchor="ls")
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=90, optimize=True)
    return buf.getvalue()


def _remembered(cache: Path | None, what: tuple, make: Callable[[], bytes]) -> bytes:
    """`make()`, kept under `cache` by `what` and this module's code: drawing and re-encoding a
    3000 px cover took a third of an unchanged re-run."""
    if cache is None:
        return make()
    key = hashlib.sha256(repr(what).encode() + Path(__file__).read_bytes()).hexdigest()
    path = cache / "art" / f"{key}.jpg"
    try:
        return path.read_bytes()
    except OSError:
        pass
    data = make()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_bytes(path, data)
    except OSError:
        pass  # a read-only or full cache costs time, not the episode
    return data


def _write_if_changed(path: Path, data: bytes) -> None:
    if path.is_file() and path.read_bytes() == data:
        return
    atomic.write_bytes(path, data)


@dataclass(frozen=True)
class Cover:
    """The show's artwork: the full image for output/ and the feed, and the MP3's small copy."""

    data: bytes
    ext: str  # ".jpg" or ".png"
    embedded: tuple[bytes, str]  # JPEG bytes and MIME type for the APIC frame


def cover(image: Path | None, title: str, author: str = "", *, cache: Path | None = None) -> Cover:
    """The producer's image, checked, or a generated one (remembered under `cache` when
    given), with its embedded copy; nothing is written to the output folder."""
    if image is not None:
        ext = FORMATS[check_image(image)]
        data = image.read_bytes()
    else:
        ext, data = ".jpg", _remembered(cache, ("cover", title, author, GENERATED_PX), lambda: generate(title, author))
    return Cover(data, ext, thumbnail(data, cache=cache))


def write_cover(output: Path, art: Cover) -> Path:
    """output/cover.jpg or .png, rewritten only when it changed; the other format is removed."""
    output.mkdir(parents=True, exist_ok=True)
    path = output / f"{COVER_STEM}{art.ext}"
    _write_if_changed(path, art.data)
    for other in set(FORMATS.values()) - {art.ext}:
        (output / f"{COVER_STEM}{other}").unlink(missing_ok=True)
    return path


def thumbnail(data: bytes, size: int = EMBED_PX, *, cache: Path | None = None) -> tuple[bytes, str]:
    """A small JPEG of the image `data` for the MP3's APIC frame, and its MIME type."""

    def shrink() -> bytes:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as im:
            # A JPEG is decoded straight at 1/2, 1/4 or 1/8 size, the largest still over `size`
            # (a 3000 px cover: 13 ms instead of 76 ms; converting first decodes it whole).
            im.draft("RGB", (size, size))
            im = im.convert("RGB")
            im.thumbnail((size, size))
            buf = io.BytesIO()
            im.save(buf, "JPEG", quality=85)
        return buf.getvalue()

    return _remembered(cache, ("embedded", hashlib.sha256(data).hexdigest(), size), shrink), "image/jpeg"
