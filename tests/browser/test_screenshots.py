"""Screenshots of the pages with pictures, taken in headless Chromium, kept in var/screenshots/."""

import pytest
from PIL import Image
from playwright.sync_api import expect

from .conftest import SCREENSHOTS_DIR

pytestmark = pytest.mark.browser

PICTURE_PAGES = [
    ("city-dalian", "/cities/dalian/", ["svg.network", "svg.timeline"]),
    ("timeline", "/milestones/", ["svg.timeline"]),
]


@pytest.mark.parametrize(
    ("name", "url", "pictures"), PICTURE_PAGES, ids=[p[0] for p in PICTURE_PAGES]
)
def test_it_screenshots_the_pages_with_pictures(page, name, url, pictures):
    viewport = page.viewport_size
    page.goto(url)
    for selector in pictures:
        picture = page.locator(selector).first
        expect(picture).to_be_visible()
        box = picture.bounding_box()
        assert box["width"] > 200 and box["height"] > 50, f"{selector} is drawn too small: {box}"

    SCREENSHOTS_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS_DIR / f"{name}.png"
    path.unlink(missing_ok=True)
    page.screenshot(path=path, full_page=True)

    assert path.stat().st_size > 20_000
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width == viewport["width"]
        assert image.height > viewport["height"]
        # A blank or unstyled page has a handful of colours; text and pictures have many
        # (getcolors gives None past its limit).
        colours = image.convert("RGB").getcolors(maxcolors=256)
        assert colours is None or len(colours) > 50
