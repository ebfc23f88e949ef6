"""What search engines and readers find around the records: descriptions written from each page's
facts, robots.txt and a sitemap of every record, compressed and validated answers, the
transcription notes as a page, and a header menu and breadcrumbs that lead everywhere."""

import gzip
import re
from html import unescape

import pytest

from programmes import kinds
from programmes.models import FundedProject
from programmes.site import absolute_url

pytestmark = pytest.mark.django_db

DESCRIBED = [
    "/",
    "/cities/",
    "/cities/dalian/",
    "/projects/?sector=14022",
    "/projects/sewage-processing-plant-1/",
    "/programmes/dalian-kitakyushu-environmental-cooperation/",
    "/partners/jica/",
    "/people/liang-hongjun/",
    "/awards/global-500-award-2001/",
    "/milestones/",
    "/milestones/global-500-award-to-dalian/",
    "/statements/",
    "/sources/",
    "/sources/liang-2003-environmental-protection-and-international-cooperation-in-dalian/",
    "/search/?q=sewage",
    "/api/",
    "/about/transcription/",
    "/releases/",
]


def _html(response):
    return response.content.decode()


def _description(html):
    found = re.findall(r'<meta name="description" content="([^"]*)">', html)
    assert len(found) == 1, found
    return unescape(found[0])


@pytest.mark.parametrize("url", DESCRIBED)
def test_every_kind_of_page_has_one_description_of_its_own(client, url):
    description = _description(_html(client.get(url)))
    assert 50 <= len(description) <= 160


def test_no_two_kinds_of_page_share_a_description(client):
    descriptions = [_description(_html(client.get(url))) for url in DESCRIBED]
    assert len(set(descriptions)) == len(descriptions)


def test_the_city_description_is_its_facts_not_a_quote(client):
    description = _description(_html(client.get("/cities/dalian/")))
    assert description.startswith("Dalian in the city cooperation catalogue: ")
    assert "Vice Chief" not in description


def test_a_title_the_catalogue_worded_is_said_to_be_the_catalogues(client):
    project = FundedProject.objects.get(slug="jica-environmental-monitoring-equipment")
    assert project.evidence_for("title").is_interpreted
    description = _description(_html(client.get(project.get_absolute_url())))
    assert "(the catalogue’s wording)" in description


def test_robots_txt_allows_everything_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "User-agent: *\nAllow: /\n" in text
    assert re.search(r"^Sitemap: https?://\S+/sitemap\.xml$", text, re.M)


def test_the_sitemap_lists_every_list_and_every_record(client):
    response = client.get("/sitemap.xml")
    assert response["Content-Type"].startswith("application/xml")
    locations = {
        re.sub(r"^https?://[^/]+", "", loc)
        for loc in re.findall(r"<loc>([^<]+)</loc>", response.content.decode())
    }
    for kind in kinds.KINDS:
        assert kind.list_url() in locations
        for record in kind.model.objects.all():
            assert record.get_absolute_url() in locations
    assert {"/", "/api/", "/about/transcription/", "/releases/"} <= locations


@pytest.mark.parametrize("url", ["/cities/dalian/", "/projects.json", "/projects.csv"])
def test_html_json_and_csv_are_compressed_for_clients_that_accept_it(client, url):
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert gzip.decompress(body)


def test_the_csv_download_carries_validators_and_answers_304_to_them(client):
    response = client.get("/projects.csv")
    assert response["ETag"] and response["Last-Modified"]
    assert response["Cache-Control"].startswith("public, max-age=")
    again = client.get("/projects.csv", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize("url", [*DESCRIBED, "/projects/"])
def test_no_page_shows_a_path_of_the_repository(client, url):
    text = re.sub(r"<[^>]+>", " ", _html(client.get(url)))
    assert "fixtures/" not in text and "TRANSCRIPTION.md" not in text


def test_every_project_page_is_free_of_repository_paths(client):
    for project in FundedProject.objects.all():
        assert "fixtures/" not in _html(client.get(project.get_absolute_url()))


def test_the_transcription_notes_are_a_page_of_the_site_linked_from_every_page(client):
    html = _html(client.get("/about/transcription/"))
    assert "<h1>How the sources were transcribed</h1>" in html
    assert "<h2>Files</h2>" in html and "<table" in html
    assert "<script" not in html.split("<main", 1)[1]
    assert 'href="/about/transcription/"' in _html(client.get("/"))


def test_the_header_menu_names_every_section_people_included(client):
    nav = re.search(r'<nav aria-label="Sections">(.*?)</nav>', _html(client.get("/")), re.S)
    assert re.findall(r">([^<]+)</a>", nav.group(1)) == [
        "Cities",
        "Programmes",
        "Funded projects",
        "Partners",
        "People",
        "Awards",
        "Timeline",
        "Statements",
        "Sources",
    ]


@pytest.mark.parametrize("kind", kinds.KINDS, ids=lambda k: k.key)
def test_record_breadcrumbs_are_home_then_the_list_then_the_record(client, kind):
    record = kind.model.objects.order_by("slug").first()
    html = _html(client.get(record.get_absolute_url()))
    crumbs = re.search(
        r'<nav class="breadcrumbs[^"]*" aria-label="Breadcrumbs">(.*?)</nav>', html, re.S
    )
    items = re.findall(r"<li[^>]*>(.*?)</li>", crumbs.group(1), re.S)
    assert len(items) == 3
    assert 'href="/"' in items[0] and "Home" in items[0]
    assert f'href="{kind.list_url()}"' in items[1]
    assert 'aria-current="page"' in crumbs.group(1)


def test_every_page_names_its_canonical_address_on_the_site_url(client, settings):
    """Canonical: the page's own address on SITE_URL, without its order or page size; a list
    narrowed by two filters or more is not indexed (every combination is a page)."""
    link = re.compile(r'<link rel="canonical" href="([^"]+)">')
    robots = re.compile(r'<meta name="robots" content="([^"]+)">')
    cases = {
        "/": ("/", None),
        "/cities/dalian/": ("/cities/dalian/", None),
        "/projects/?sector=14022&sort=-amount&page_size=5": ("/projects/?sector=14022", None),
        "/projects/?sector=14022&city=dalian": (
            "/projects/?sector=14022&amp;city=dalian",
            "noindex, follow",
        ),
    }
    for url, (canonical, index) in cases.items():
        page = client.get(url).content.decode()
        assert link.findall(page) == [absolute_url(canonical)], url
        assert robots.findall(page) == ([index] if index else []), url
    missing = client.get("/no-such-page/").content.decode()
    assert not link.findall(missing) and robots.findall(missing) == ["noindex"]
