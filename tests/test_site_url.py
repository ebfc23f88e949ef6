"""Absolute URLs come from SITE_URL, never from the Host header a client sends: a Host with
another port passes Django's host check (ports are not compared), and a page built from it would
be kept in the shared page cache and served to everyone after it."""

import json

import pytest

pytestmark = pytest.mark.django_db

HOSTILE = "127.0.0.1:6666"
PAGES = [
    "/projects/sewage-processing-plant-1/",
    "/projects/sewage-processing-plant-1.json",
    "/cities/dalian/",
    "/projects.json",
    "/search.json?q=sewage",
    "/api/openapi.json",
]


@pytest.fixture
def site(settings):
    settings.SITE_URL = "https://catalogue.example.org"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "testserver"]
    return settings.SITE_URL


@pytest.mark.parametrize("url", PAGES)
def test_it_builds_absolute_urls_from_the_site_url_not_the_host_header(client, site, url):
    response = client.get(url, headers={"host": HOSTILE})
    assert response.status_code == 200
    body = response.content.decode()
    assert HOSTILE not in body
    assert "testserver" not in body
    assert site in body


def test_the_catalogue_download_names_no_host(client, site):
    response = client.get("/catalogue.json", headers={"host": HOSTILE})
    body = b"".join(response.streaming_content).decode()
    assert HOSTILE not in body and "testserver" not in body


def test_a_page_cached_for_a_hostile_host_is_clean_for_everyone(client, site, settings):
    settings.CACHE_PAGES = True
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "h"}
    }
    first = client.get("/projects/sewage-processing-plant-1.json", headers={"host": HOSTILE})
    second = client.get("/projects/sewage-processing-plant-1.json")
    assert first.content == second.content
    assert json.loads(second.content)["url"].startswith(site + "/projects/")
