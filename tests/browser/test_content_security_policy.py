"""Under the site's strict Content-Security-Policy the pages load whole: styled, scripted.

The other browser tests lift the policy to inject axe-core; these keep it, as a visitor's browser
does, and every refusal Chromium reports (a console error) fails the test in the page fixture.
"""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

READER = "/sources/liang-2003-environmental-protection-and-international-cooperation-in-dalian/"


@pytest.mark.parametrize(
    "url",
    ["/", "/cities/dalian/", "/projects/?sector=14022", "/milestones/", READER, "/search/?q=water"],
)
def test_it_loads_each_page_with_its_stylesheets_under_the_policy(strict_page, url):
    response = strict_page.goto(url)
    policy = response.header_value("content-security-policy")
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy
    sheets = strict_page.evaluate("[...document.styleSheets].map(s => s.cssRules.length)")
    assert sheets and all(sheets), f"a stylesheet did not load: {sheets}"
    body_font = strict_page.evaluate("getComputedStyle(document.body).fontFamily")
    assert "Times" not in body_font


def test_it_runs_the_reader_script_under_the_policy(strict_page):
    strict_page.goto(READER)
    anchor = strict_page.locator(".reader .passage[id]").nth(3).get_attribute("id")
    strict_page.locator(f".passage-index q a[href$='#{anchor}']").click()
    expect(strict_page).to_have_url(re.compile(f"#{anchor}$"))
    # The script marks every fragment of the passage; CSS :target alone marks only the first.
    fragments = strict_page.locator(f".reader [data-passage='{anchor}']")
    expect(fragments.first).to_have_class(re.compile(r"\bis-target\b"))
    for i in range(fragments.count()):
        expect(fragments.nth(i)).to_have_class(re.compile(r"\bis-target\b"))


def test_the_passage_asked_for_is_highlighted_whole_and_the_rest_is_plain(strict_page):
    """Every passage nested in the one asked for shares its highlight ("which totaled RMB
    30,000,000" inside JICA's sentence); a passage not asked for carries no background."""
    strict_page.goto(READER)
    outer = strict_page.evaluate(
        """() => [...document.querySelectorAll('.reader .passage[id]')]
            .find(p => p.querySelector('.passage')).id"""
    )
    strict_page.goto(f"{READER}#{outer}")
    colours = strict_page.evaluate(
        """(id) => {
            const bg = (el) => getComputedStyle(el).backgroundColor;
            const target = document.getElementById(id);
            const nested = [...target.querySelectorAll('.passage')].map(bg);
            const other = [...document.querySelectorAll('.reader .passage')]
                .filter(p => !p.closest('.is-target') && !p.matches(':target')).map(bg);
            return {target: bg(target), nested, other};
        }""",
        outer,
    )
    assert colours["nested"] and set(colours["nested"]) == {colours["target"]}
    assert colours["other"] and set(colours["other"]) == {"rgba(0, 0, 0, 0)"}
