"""Static files with DEBUG off: hashed names once `collectstatic` has run, the files' own names
before it, so that a fresh checkout's `runserver` answers its pages instead of a 500."""

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

STORAGE = {"BACKEND": "catalogue.static_storage.ManifestStaticFilesStorage"}


@pytest.fixture
def production_storage(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    settings.STORAGES = {**settings.STORAGES, "staticfiles": STORAGE}
    return settings


def test_before_collectstatic_pages_name_the_files_as_they_are(client, production_storage):
    response = client.get("/")
    assert response.status_code == 200
    assert 'href="/static/programmes/catalogue.css"' in response.content.decode()


def test_after_collectstatic_pages_name_the_hashed_files(client, production_storage):
    call_command("collectstatic", interactive=False, verbosity=0, stdout=io.StringIO())
    production_storage.STORAGES = {**production_storage.STORAGES, "staticfiles": dict(STORAGE)}
    page = client.get("/").content.decode()
    assert 'href="/static/programmes/catalogue.css"' not in page
    assert 'href="/static/programmes/catalogue.' in page
