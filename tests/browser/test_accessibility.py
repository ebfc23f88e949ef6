"""Every kind of page passes axe-core's WCAG 2.1 A and AA rules and can be used with a keyboard."""

import pytest
from playwright.sync_api import expect

from .conftest import axe_violations

pytestmark = pytest.mark.browser

# One page of every type, with the status it answers.
PAGES = [
    ("/", 200),
    ("/cities/", 200),
    ("/cities/dalian/", 200),
    ("/programmes/", 200),
    ("/programmes/dalian-kitakyushu-environmental-cooperation/", 200),
    ("/partners/", 200),
    ("/partners/jica/", 200),
    ("/people/", 200),
    ("/people/liang-hongjun/", 200),
    ("/awards/", 200),
    ("/awards/global-500-award-2001/", 200),
    ("/projects/?sector=14022", 200),
    ("/projects/sewage-processing-plant-1/", 200),
    ("/milestones/", 200),
    ("/milestones/global-500-award-to-dalian/", 200),
    ("/sources/", 200),
    ("/sources/dalian-has-learnt-from-shanghai-about-environmental-protection/", 200),
    ("/search/?q=sewage", 200),
    ("/releases/", 200),
    ("/projects/?sector=99999", 400),
    ("/cities/atlantis/", 404),
]

# Pages whose layout changes most on a phone, where scrolling regions and reflow can fail rules.
PHONE_PAGES = ["/", "/cities/dalian/", "/projects/?sector=14022", "/milestones/", "/releases/"]

# Pages whose every link and control a keyboard user must reach, in a size Tab can walk quickly.
KEYBOARD_PAGES = ["/", "/projects/", "/cities/dalian/"]

FOCUSABLE = (
    "a[href], area[href], button, input:not([type=hidden]), select, textarea, summary,"
    " [tabindex]:not([tabindex='-1'])"
)


@pytest.mark.parametrize(("url", "status"), PAGES)
def test_it_has_no_wcag_21_aa_violations(page, url, status):
    response = page.goto(url)
    assert response.status == status
    violations = axe_violations(page)
    assert violations == [], "\n".join(violations)


@pytest.mark.parametrize("url", PHONE_PAGES)
def test_it_has_no_wcag_21_aa_violations_on_a_small_phone(phone_page, url):
    phone_page.goto(url)
    violations = axe_violations(phone_page)
    assert violations == [], "\n".join(violations)


def test_it_offers_a_visible_skip_link_as_the_first_tab_stop(page):
    page.goto("/cities/dalian/")
    skip = page.locator("a.skip-link")
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    expect(skip).to_be_in_viewport()
    expect(skip).to_have_text("Skip to content")
    page.keyboard.press("Enter")
    expect(page).to_have_url(page.url.split("#")[0] + "#main")
    expect(page.locator("main")).to_be_focused()


@pytest.mark.parametrize("url", KEYBOARD_PAGES)
def test_it_reaches_every_link_and_control_with_tab_and_shows_the_focus(page, url):
    page.goto(url)
    # Number the visible focusable elements and note each focus as it lands, with its outline.
    count = page.evaluate(
        """selector => {
            const elements = [...document.querySelectorAll(selector)]
                .filter(el => !el.disabled && el.checkVisibility({visibilityProperty: true}));
            elements.forEach((el, i) => { el.dataset.tabStop = i; });
            window.tabStops = [];
            document.addEventListener('focusin', event => {
                const el = event.target, style = getComputedStyle(el);
                const outlined =
                    style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
                const visible = outlined || style.boxShadow !== 'none';
                const tag = el.outerHTML.slice(0, 80);
                window.tabStops.push({id: el.dataset.tabStop ?? null, tag, visible});
            });
            return elements.length;
        }""",
        FOCUSABLE,
    )
    assert count > 5
    for _ in range(count + 3):
        page.keyboard.press("Tab")
    stops = page.evaluate("window.tabStops")
    reached = {stop["id"] for stop in stops}
    assert reached >= {str(i) for i in range(count)}
    assert None not in reached, f"Tab stopped on an element that is not visible: {stops}"
    assert [stop["tag"] for stop in stops if not stop["visible"]] == [], "focus without outline"
