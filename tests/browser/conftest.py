"""Headless Chromium (Debian's build, driven by Playwright) against the catalogue on a live server.

One browser for the whole session; each test gets a fresh context (no shared history, cookies or
focus) on pytest-django's live server. Without Chromium the tests are skipped, except in CI
(`CI=true`), where a missing browser is a failure: `.ci/run` installs it.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
WIDE = {"width": 1366, "height": 900}  # the commonest laptop screen
PHONE = {"width": 375, "height": 740}
SCREENSHOTS_DIR = settings.BASE_DIR / "var" / "screenshots"
AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# A real page answers well within this; a longer wait is a failure, not a slow pass.
expect.set_options(timeout=5_000)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests run last, after pytest-django has put the others in its order.

    While the browser runs, Playwright's event loop is running in this thread, so Django's
    database calls need DJANGO_ALLOW_ASYNC_UNSAFE; no other test should run with it set (the
    deployment checks refuse it).
    """
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (Debian package `chromium`)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(f"{reason}; in CI the browser tests must run", pytrace=False)
        pytest.skip(reason)
    # Playwright's sync API keeps an asyncio loop running in this thread, which Django would take
    # for async code and refuse the test's own database calls (its transaction) while it runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()
    playwright.stop()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _page(chromium, base_url, viewport, bypass_csp=True):
    # bypass_csp lets the tests inject axe-core; the pages themselves allow no inline script.
    context = chromium.new_context(base_url=base_url, viewport=viewport, bypass_csp=bypass_csp)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(error))
    # Chromium reports each resource or script the policy refused as a console error.
    page.on(
        "console", lambda msg: "Content Security Policy" in msg.text and errors.append(msg.text)
    )
    yield page
    context.close()
    assert not errors, f"errors in the page: {errors}"


@pytest.fixture
def page(chromium, catalogue_server):
    """A desktop-sized page; `page.goto("/cities/")` is relative to the live server."""
    yield from _page(chromium, catalogue_server, DESKTOP)


@pytest.fixture
def wide_page(chromium, catalogue_server):
    """A page 1366 by 900 CSS pixels, a common laptop's screen."""
    yield from _page(chromium, catalogue_server, WIDE)


@pytest.fixture
def phone_page(chromium, catalogue_server):
    """A page 375 CSS pixels wide, the width of a small phone."""
    yield from _page(chromium, catalogue_server, PHONE)


@pytest.fixture
def strict_page(chromium, catalogue_server):
    """A desktop-sized page held to the site's Content-Security-Policy, as a visitor's is."""
    yield from _page(chromium, catalogue_server, DESKTOP, bypass_csp=False)


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def any_page(request, chromium, catalogue_server):
    """The test runs twice: on a desktop-sized page and on a phone-sized one."""
    yield from _page(chromium, catalogue_server, request.param)


def axe_violations(page):
    """Run axe-core in the page with the WCAG 2.1 A and AA rules; its violations, one line each."""
    page.add_script_tag(path=AXE_JS)
    violations = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']}).then(r => r.violations)",
        WCAG_21_AA,
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in violations
    ]


def search_from_the_header(page, words):
    """Type `words` into the header's search box and send them; the box, for a later look."""
    box = page.locator("#site-search")
    box.fill(words)
    box.press("Enter")
    return box
