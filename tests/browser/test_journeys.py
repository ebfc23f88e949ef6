"""What a reader does with the catalogue, in a real browser, on a desktop and on a small phone."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import search_from_the_header

pytestmark = pytest.mark.browser

PHONE_WIDTH = 375


def _result_count(page):
    text = page.locator(".result-count").inner_text()
    return int(re.match(r"\d+", text).group())


def _assert_no_horizontal_scroll(page):
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways: {width}px wide"


def _from_a_city_to_the_cited_passage(page):
    page.goto("/")
    page.get_by_role("main").get_by_role("link", name=re.compile(r"^\d+ cities$")).click()
    cities = page.get_by_role("table", name="Cities")
    cities.get_by_role("link", name=re.compile(r"^Dalian\b")).first.click()
    expect(page).to_have_url(re.compile(r"/cities/dalian/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Dalian")

    projects = page.get_by_role("table", name="Funded projects in Dalian")
    projects.get_by_role("row").nth(1).get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/projects/[\w-]+/$"))

    citation = page.get_by_role("link", name=re.compile(r"^read it in the source")).first
    anchor = citation.get_attribute("href").split("#")[1]
    assert re.fullmatch(r"passage-\d+-\d+", anchor)
    citation.click()
    expect(page).to_have_url(re.compile(rf"/sources/[\w-]+/#{anchor}$"))
    return anchor


def _assert_the_passage_is_highlighted_in_view(page, anchor):
    target = page.locator(":target")
    expect(target).to_have_id(anchor)
    expect(target).to_be_in_viewport()
    other = page.locator(f".reader .passage[id]:not([data-passage='{anchor}'])").first
    background = "el => getComputedStyle(el).backgroundColor"
    assert target.evaluate(background) != other.evaluate(background)


def test_it_leads_from_a_city_through_a_funded_project_to_the_highlighted_source_passage(page):
    anchor = _from_a_city_to_the_cited_passage(page)
    _assert_the_passage_is_highlighted_in_view(page, anchor)


def test_it_leads_to_the_cited_passage_on_a_small_phone_without_sideways_scrolling(phone_page):
    page = phone_page
    page.goto("/")
    _assert_no_horizontal_scroll(page)
    anchor = _from_a_city_to_the_cited_passage(page)
    _assert_the_passage_is_highlighted_in_view(page, anchor)
    _assert_no_horizontal_scroll(page)


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/cities/dalian/",
        "/projects/",
        "/projects/sewage-processing-plant-1/",
        "/milestones/",
        "/sources/liang-2003-environmental-protection-and-international-cooperation-in-dalian/",
        "/search/?q=water",
    ],
)
def test_it_fits_a_small_phone_without_sideways_scrolling(phone_page, url):
    phone_page.goto(url)
    _assert_no_horizontal_scroll(phone_page)


def test_it_narrows_funded_projects_by_a_facet_and_widens_them_again_by_its_chip(any_page):
    page = any_page
    page.goto("/projects/")
    total = _result_count(page)
    filters = page.get_by_role("complementary", name="Filters")
    fold = filters.locator("details.filters > summary")
    if fold.is_visible():  # on a phone the filters are folded away below their summary
        fold.click()
    sector = filters.locator("section.facet", has=page.get_by_role("heading", name="Sector"))
    choice = sector.get_by_role("link").filter(has_text="14022")
    expect(choice).to_have_count(1)
    expected = int(choice.locator("xpath=following-sibling::*[@class='count']").inner_text())
    choice.click()

    expect(page).to_have_url(re.compile(r"[?&]sector=14022\b"))
    chip = page.get_by_role("list", name="Active filters").get_by_role(
        "link", name=re.compile("14022")
    )
    expect(chip).to_be_visible()
    assert _result_count(page) == expected < total
    rows = page.locator("table.records tbody tr")
    expect(rows).to_have_count(expected)
    _assert_no_horizontal_scroll(page)

    chip.click()
    expect(page.get_by_role("list", name="Active filters")).to_have_count(0)
    assert _result_count(page) == total


def test_it_combines_two_facets_and_removes_one_chip_keeping_the_other(page):
    page.goto("/projects/?sector=14022&sector=14021&city=dalian")
    chips = page.get_by_role("list", name="Active filters").get_by_role(
        "link", name=re.compile("^Remove")
    )
    expect(chips).to_have_count(3)
    both = _result_count(page)
    chips.filter(has_text="14021").click()
    expect(chips).to_have_count(2)
    expect(page).not_to_have_url(re.compile("14021"))
    assert 0 < _result_count(page) < both


def test_it_searches_from_the_header_box_and_marks_the_matched_words(any_page):
    page = any_page
    page.goto("/cities/")
    box = search_from_the_header(page, "sewage")
    expect(page).to_have_url(re.compile(r"/search/\?q=sewage$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("sewage")
    marks = page.get_by_role("main").locator("mark")
    expect(marks.first).to_be_visible()
    assert all(m.lower().startswith("sewage") for m in marks.all_inner_texts())
    expect(box).to_have_value("sewage")
    _assert_no_horizontal_scroll(page)
