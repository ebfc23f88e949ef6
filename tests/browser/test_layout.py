"""The layout's promises, measured in the browser: at 1366 px every list's table fits beside its
filters; at 375 px nothing scrolls sideways, the filters fold away so the first record is on the
first screen, and the pictures scale down to their box."""

import pytest
from playwright.sync_api import expect

from programmes import kinds

pytestmark = pytest.mark.browser

WIDE = {"width": 1366, "height": 768}
LISTS = [kind.list_url() for kind in kinds.KINDS] + ["/projects/?sector=14022"]
PAGES = LISTS + [
    "/",
    "/cities/dalian/",
    "/programmes/dalian-kitakyushu-environmental-cooperation/",
    "/projects/sewage-processing-plant-1/",
    "/partners/jica/",
    "/sources/dalian-has-learnt-from-shanghai-about-environmental-protection/",
    "/api/",
    "/about/transcription/",
    "/releases/",
    "/search/?q=water",
]

# Each list table's width, and the width of the box it sits in.
TABLE_WIDTHS = """() => Array.from(document.querySelectorAll('table.records')).map(t => [
  t.getBoundingClientRect().width, t.closest('.results, main').clientWidth])"""


@pytest.mark.parametrize("url", LISTS)
def test_every_list_table_fits_its_box_on_a_wide_screen(page, url):
    page.set_viewport_size(WIDE)
    page.goto(url)
    widths = page.evaluate(TABLE_WIDTHS)
    assert widths
    for table, box in widths:
        assert table <= box + 0.5, f"{url}: the table is {table}px in a {box}px box"
    assert page.evaluate("document.scrollingElement.scrollWidth") <= WIDE["width"]


@pytest.mark.parametrize("url", PAGES)
def test_no_page_scrolls_sideways_on_a_small_phone(phone_page, url):
    phone_page.goto(url)
    width = phone_page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 375, f"{url} is {width}px wide"


@pytest.mark.parametrize("url", ["/projects/", "/projects/?sector=14022", "/cities/"])
def test_the_first_record_is_on_the_first_screen_of_a_phone(phone_page, url):
    phone_page.goto(url)
    first = phone_page.locator("table.records tbody tr").first
    expect(first).to_be_in_viewport()
    top = first.evaluate("el => el.getBoundingClientRect().top")
    assert top < phone_page.viewport_size["height"] - 100


def test_the_filters_fold_away_on_a_phone_and_open_on_request(phone_page):
    phone_page.goto("/projects/")
    filters = phone_page.get_by_role("complementary", name="Filters")
    facet = filters.get_by_role("link").filter(has_text="14022")
    expect(facet).to_be_hidden()
    filters.locator("details.filters > summary").click()
    expect(facet).to_be_visible()


def test_the_filters_are_open_on_a_wide_screen_without_a_fold(page):
    page.set_viewport_size(WIDE)
    page.goto("/projects/")
    filters = page.get_by_role("complementary", name="Filters")
    expect(filters.get_by_role("link").filter(has_text="14022")).to_be_visible()
    expect(filters.locator("details.filters > summary")).to_be_hidden()


def test_each_project_row_shows_the_words_that_name_it(page):
    page.goto("/projects/")
    words = page.locator("table.records tbody tr .named-in summary").all_inner_texts()
    assert len(words) == 12
    assert not any(w.startswith("“Contents of investment") for w in words)
    first = page.locator("table.records tbody tr .named-in").first
    first.locator("summary").click()
    link = first.get_by_role("link", name="Read it in")
    expect(link).to_be_visible()
    assert "#passage-" in link.get_attribute("href")


@pytest.mark.parametrize("url", ["/", "/cities/dalian/", "/milestones/", "/projects/"])
def test_every_picture_fits_its_box_on_a_phone_with_labels_a_reader_can_read(phone_page, url):
    """A picture's figure fits its box (a wide one scrolls inside it) and its labels render at
    10 px or more: shrunk to 335 px the timeline's and the network's were 5-6 px."""
    phone_page.goto(url)
    sizes = phone_page.evaluate(
        """() => Array.from(document.querySelectorAll('.picture svg')).map(s => {
            const figure = s.closest('figure') || s;
            const label = s.querySelector('text');
            return [figure.getBoundingClientRect().width, s.closest('.picture').clientWidth,
                    label ? label.getBoundingClientRect().height : null,
                    s.getAttribute('class')];
        })"""
    )
    assert sizes
    for figure, box, label_height, name in sizes:
        assert figure <= box + 0.5, name
        if name in ("timeline", "network") and label_height is not None:
            assert label_height >= 10, (name, label_height)


# The top and bottom of each block of a record page's article, and whether it floats.
RECORD_BLOCKS = """() => Array.from(document.querySelectorAll('main > article > *')).map(e => {
  const box = e.getBoundingClientRect();
  return [e.tagName + '.' + e.className, box.top, box.bottom, getComputedStyle(e).float];
})"""


@pytest.mark.parametrize("kind", kinds.KINDS, ids=[k.key for k in kinds.KINDS])
def test_no_block_of_a_record_page_runs_into_the_next_on_a_wide_screen(wide_page, kind):
    """Each block starts below the one before it; only a floated block (the facts beside the
    "on this page" list) stands beside the next."""
    wide_page.goto(kind.detail_queryset().first().get_absolute_url())
    blocks = wide_page.evaluate(RECORD_BLOCKS)
    assert len(blocks) > 2
    for (name, _, bottom, floated), (after, top, _, _) in zip(blocks, blocks[1:], strict=False):
        if floated == "none" or not after.startswith("NAV.on-this-page"):
            assert top >= bottom - 1, f"{after} starts at {top}, above {name}'s end at {bottom}"
