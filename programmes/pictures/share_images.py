"""Share images (Open Graph / Twitter cards): a 1200×630 PNG per record, drawn with Pillow.

A card shows what kind of record it is, its title, the passage its title rests on and the source
document. Cards are drawn once per catalogue version, with the fonts shipped in
static/programmes/fonts/ (so every machine draws the same pixels), and kept on disk under
`SHARE_IMAGES_DIR/<version>/<kind>-<slug>.png`; a request only reads the file, or draws it if this
version has not drawn it yet. `manage.py build_share_images` draws them all ahead of time.
"""

import contextlib
import io
import logging
import os
import shutil
import tempfile
from functools import cache
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from PIL import Image, ImageDraw, ImageFont

from .. import kinds, values
from ..evidence import is_catalogues_wording
from ..models import CatalogueVersion

logger = logging.getLogger(__name__)
# Under a title the sources do not state, as page titles and descriptions say it.
WORDING = "The catalogue’s wording"

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
CONTENT_WIDTH = WIDTH - 2 * MARGIN
SITE_NAME = "City cooperation catalogue"
ELLIPSIS = "…"

PAPER = (251, 250, 246)
INK = (28, 32, 36)
MUTED = (92, 99, 106)
ACCENT = (31, 95, 74)
RULE = (214, 210, 200)


def fonts_dir():
    return Path(settings.BASE_DIR) / "static" / "programmes" / "fonts"


@cache
def font(name, size):
    return ImageFont.truetype(str(fonts_dir() / name), size)


def title_font(size=54):
    return font("DejaVuSans-Bold.ttf", size)


def quote_font(size=32):
    return font("DejaVuSerif-Italic.ttf", size)


def label_font(size=24):
    return font("DejaVuSans.ttf", size)


# --- where cards live --------------------------------------------------------------------------


def kind_of(record):
    return kinds.of(record).key


def share_image_url(record):
    return reverse("programmes:share-image", args=[kind_of(record), record.slug])


def images_root():
    return Path(getattr(settings, "SHARE_IMAGES_DIR", None) or settings.VAR_DIR / "share-images")


# Part of the cards' folder name: raised whenever a card's drawing changes, so that cards drawn
# by older code for the same catalogue version are neither served nor kept.
DRAWING = 2


def version_name(version):
    """The catalogue version (and drawing) the cards are drawn for."""
    return f"{(version.version if version else 'unversioned')[:16]}-d{DRAWING}"


def current_version():
    return version_name(CatalogueVersion.objects.current())


def image_path(kind, slug, version):
    return images_root() / version / f"{kind}-{slug}.png"


# --- what a card says --------------------------------------------------------------------------


def card_text(record):
    """(kind label, title, quotation, source line, wording note) of a record's card: the quotation
    is the passage its title rests on, as under the record everywhere else (`values.quotation`);
    the note says the title is the catalogue's wording where the sources do not state it."""
    kind = kinds.of(record)
    if not kind.cited:  # a source document: its card quotes its own first passage
        source, title = record, record.title
        passage = source.passages.order_by("start").first()
    else:
        title = str(getattr(record, "title", "") or getattr(record, "name", "") or record)
        passage = values.quotation(record, kind.title_field)
        source = passage.source if passage else None
    quote = passage.quote if passage else ""
    line = ""
    if source is not None:
        who = f"{source.author}, " if source.author else ""
        line = f"{who}{source.title}, {source.date_display}"
    wording = WORDING if is_catalogues_wording(record, kind.title_field) else ""
    return kind.label, title, quote, line, wording


def wrap(text, font_, width, max_lines):
    """Words of `text` in at most `max_lines` lines no wider than `width`; whatever does not fit
    is cut, and the cut marked with an ellipsis."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if line and font_.getlength(candidate) > width:
            lines.append(line)
            candidate = word
        line = candidate
        if len(lines) > max_lines:
            break
    else:
        if line:
            lines.append(line)
    cut = len(lines) > max_lines
    lines = lines[:max_lines]
    return [
        _fit(line, font_, width, ellipsis=cut and n == len(lines) - 1)
        for n, line in enumerate(lines)
    ]


def _fit(line, font_, width, ellipsis=False):
    if not ellipsis and font_.getlength(line) <= width:
        return line
    while line and font_.getlength(line + ELLIPSIS) > width:
        line = line.rsplit(" ", 1)[0] if " " in line else line[:-1]
    return line.rstrip(" ,;:.") + ELLIPSIS


def render_card(kind_label, title, quote, source_line, wording=""):
    """The card as PNG bytes. `wording`, if any, stands on its own line under the title, so that
    cutting a long title never cuts it."""
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, 16, HEIGHT], fill=ACCENT)

    y = MARGIN - 8
    draw.text((MARGIN, y), f"{kind_label.upper()}  ·  {SITE_NAME}", font=label_font(), fill=ACCENT)
    y += 52

    big = title_font()
    title_lines = wrap(title, big, CONTENT_WIDTH, 2)
    for line in title_lines:
        draw.text((MARGIN, y), line, font=big, fill=INK)
        y += 66
    if wording:
        draw.text((MARGIN, y), wording, font=label_font(), fill=MUTED)
        y += 34
    y += 18
    draw.line([MARGIN, y, MARGIN + 120, y], fill=RULE, width=4)
    y += 30

    small = label_font(22)
    source_lines = wrap(f"— {source_line}", small, CONTENT_WIDTH, 2) if source_line else []
    source_top = HEIGHT - MARGIN + 20 - 32 * len(source_lines)
    if quote:
        qfont = quote_font()
        room = (source_top - 24 - y) // 44
        for line in wrap(f"“{quote}”", qfont, CONTENT_WIDTH, max(1, room)):
            draw.text((MARGIN, y), line, font=qfont, fill=INK)
            y += 44
    for n, line in enumerate(source_lines):
        draw.text((MARGIN, source_top + 32 * n), line, font=small, fill=MUTED)

    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# --- drawing once per version -----------------------------------------------------------------


CARD_MODE = 0o644  # as Django writes stored files (FILE_UPLOAD_PERMISSIONS)


def write_atomically(path, data):
    """Write `data` to `path` whole or not at all: a full or read-only disk leaves no partial or
    empty file behind (it raises OSError, and the caller serves the card from memory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".png")
    try:
        # mkstemp makes the file 0600: readable by this user alone, unlike every other static
        # file (a proxy or a second server's user serving the folder could not read it).
        os.fchmod(fd, CARD_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def card_png(record, version=None):
    """The record's card for this catalogue version: read from disk, or drawn and stored there.
    When the folder cannot be written the card is still served, drawn for this request only."""
    path = image_path(kind_of(record), record.slug, version or current_version())
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    except OSError:
        logger.warning("share card %s unreadable; drawing it", path, exc_info=True)
    data = render_card(*card_text(record))
    try:
        write_atomically(path, data)
    except OSError:
        logger.warning("share card %s not stored", path, exc_info=True)
    return data


def ensure_image(record, version=None):
    """The path of the record's card for this catalogue version, drawn if not drawn yet."""
    path = image_path(kind_of(record), record.slug, version or current_version())
    if not path.exists():
        write_atomically(path, render_card(*card_text(record)))
    return path


def build_all(prune=True):
    """Draw every record's card for the current version; drop other versions' cards."""
    version = current_version()
    count = 0
    for kind in kinds.KINDS:
        for record in kind.model.objects.all():
            ensure_image(record, version)
            count += 1
    if prune:
        for old in images_root().iterdir():
            if old.is_dir() and old.name != version:
                shutil.rmtree(old)
    return version, count
