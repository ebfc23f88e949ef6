"""Where the answer stands: the questions a researcher, a journalist and a data analyst bring,
each followed in a real browser from the page where it starts to the words that answer it."""

import csv
import io
import re

import pytest
from edtf import parse_edtf
from playwright.sync_api import expect

from programmes.models import CatalogueVersion, FundedProject, Milestone, Participation

from .conftest import search_from_the_header

pytestmark = pytest.mark.browser

# A record page is read top to bottom: its answer within the first screen of a laptop, and the
# whole page no longer than a few screens.
FIRST_SCREEN = 1_000
TALLEST = {1366: 6_000, 375: 12_000}


def _laid_out_height(page):
    """The page's height with every section laid out (below the first screen they are laid out
    as they are scrolled near): scroll to the end, then read it."""
    height = 0
    while height != (height := page.evaluate("document.documentElement.scrollHeight")):
        for y in range(0, height, 600):
            page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(50)
    return height


def _partners_of_dalian():
    programmes = Participation.objects.filter(city__slug="dalian").values("programme")
    return (
        Participation.objects.filter(programme__in=programmes)
        .exclude(city__slug="dalian")
        .select_related("city", "partner")
    )


def test_dalians_partners_and_their_roles_stand_in_the_first_screen_of_its_page(wide_page):
    page = wide_page
    page.goto("/cities/dalian/")
    table = page.get_by_role("table", name=re.compile("^Dalian’s programmes"))
    top = table.evaluate("t => t.getBoundingClientRect().top + window.scrollY")
    assert top < FIRST_SCREEN, f"the table of partners starts {top} px down"
    partners = _partners_of_dalian()
    assert partners
    for part in partners:
        row = (
            table.get_by_role("row")
            .filter(has=page.get_by_role("link", name=part.participant.name, exact=True))
            .filter(has=page.get_by_role("cell", name=part.get_role_display()))
        )
        expect(row.first).to_be_attached()
    # Roles in words, never the codes of the network picture.
    expect(table).not_to_contain_text(re.compile(r"\bP\d+ partner"))
    assert _laid_out_height(page) <= TALLEST[1366]


def test_dalians_page_on_a_phone_opens_on_its_facts_and_stays_a_few_screens_long(phone_page):
    page = phone_page
    page.goto("/cities/dalian/")
    summary = page.locator(".record .summary")
    expect(summary).to_be_in_viewport()
    expect(summary).to_contain_text("cooperation programme")
    assert _laid_out_height(page) <= TALLEST[375]


def test_water_and_sanitation_projects_leave_as_a_csv_that_names_its_version(page):
    page.goto("/projects/")
    facet = page.locator("section.facet").filter(
        has=page.get_by_role("heading", name="Sector category", exact=True)
    )
    facet.get_by_role("link", name=re.compile("Water Supply & Sanitation")).click()
    expect(page).to_have_url(re.compile(r"sector_category=140\b"))
    chip = page.get_by_role("link", name=re.compile("^Remove filter: in sector category"))
    expect(chip).to_contain_text("Water Supply & Sanitation")
    expected = FundedProject.objects.filter(sector__category__code="140").count()
    assert expected
    with page.expect_download() as download:
        page.locator(".result-count").get_by_role("link", name="CSV").click()
    version = CatalogueVersion.objects.latest("loaded_at").version[:12]
    assert version in download.value.suggested_filename
    with open(download.value.path(), encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(io.StringIO(f.read())))
    assert len(rows) == expected
    assert all(row["sector_category"] == "140" for row in rows)


def test_what_dalian_learnt_from_shanghai_is_found_by_asking_and_cited_in_the_source(any_page):
    page = any_page
    page.goto("/")
    search_from_the_header(page, "What did Dalian learn from Shanghai")
    lesson = page.get_by_role("main").get_by_role(
        "link", name=re.compile("learned that in environmental protection an international")
    )
    expect(lesson.first).to_be_visible()
    lesson.first.click()
    expect(page).to_have_url(re.compile(r"/statements/[\w-]+/$"))
    cited = page.locator("figure.citation").filter(has_text="learned")
    cited.first.get_by_role("link", name=re.compile(r"^read it in the source")).click()
    target = page.locator(":target")
    expect(target).to_be_in_viewport()
    expect(target).to_contain_text("learned")


def _jica_equipment_sentence():
    """The project JICA funded as equipment and the passage its title's evidence names."""
    project = FundedProject.objects.get(funders__acronym="JICA", instrument="equipment")
    (passage,) = project.evidence_for("title").passages
    return project, passage


def test_the_jica_equipment_sentence_is_found_by_search_and_cited_with_a_link(any_page):
    """ "JICA equipment": neither word is in the project's title, and the sentence says
    "analytic machinery"; search finds the sentence through the project, the reader shows it
    highlighted with the records it feeds beside it, and its link and citation are copied."""
    page = any_page
    project, passage = _jica_equipment_sentence()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/")
    search_from_the_header(page, "JICA equipment")
    passages = page.locator("#results-passage")
    hit = passages.get_by_role("link", name=re.compile(re.escape(passage.quote[:40])))
    expect(hit).to_be_visible()
    expect(passages.locator(".cited-for").first).to_contain_text(str(project)[:30])
    hit.click()  # a pointer's click: Chromium follows none on a <q> inside its link
    expect(page).to_have_url(re.compile(f"#{passage.anchor}$"))
    target = page.locator(f"#{passage.anchor}")
    expect(target).to_be_in_viewport()
    # Beside it (below it on a phone), the record it feeds, marked as the one asked for.
    beside = page.locator(".margin li.is-target").filter(has_text=str(project)[:30])
    expect(beside).to_have_count(1)
    # The citation, copied by the bar at the foot of the window.
    bar = page.get_by_role("region", name="Cite this passage")
    expect(bar).to_be_in_viewport()
    bar.get_by_role("button", name="Copy link").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.endswith(passage.get_absolute_url())
    bar.get_by_role("button", name="Copy citation").click()
    citation = page.evaluate("navigator.clipboard.readText()")
    assert f"“{passage.quote}”" in citation and citation.endswith(copied)
    # Without the script the same citation is text in the page.
    listed = page.locator(f"#cites-{passage.start}-{passage.end} .citation-text")
    assert listed.text_content() == citation


def test_the_milestones_leave_as_json_with_each_dates_precision_in_edtf(page):
    page.goto("/milestones/")
    href = page.locator(".result-count").get_by_role("link", name="JSON").get_attribute("href")
    data = page.request.get(f"{href}?page_size=500").json()
    assert data["count"] == Milestone.objects.count() == len(data["results"])
    dated = [m for m in data["results"] if m["date"]]
    assert dated
    for milestone in dated:
        assert milestone["date_precision"], milestone["slug"]
        parse_edtf(milestone["date_edtf"])  # raises on anything EDTF does not allow


def _tab_to(page, selector, most=200):
    """Press Tab until the focus is inside `selector`."""
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(f"!!document.activeElement.closest({selector!r})"):
            return
    pytest.fail(f"nothing in {selector} reached with Tab")


def test_a_keyboard_alone_narrows_the_projects_by_a_filter_and_widens_them_again(page):
    page.goto("/projects/")
    total = FundedProject.objects.count()
    _tab_to(page, "section.facet")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"\?\w+="))
    count = int(re.match(r"\d+", page.locator(".result-count").inner_text()).group())
    assert 0 < count < total
    _tab_to(page, ".chips")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/projects/\??$"))
