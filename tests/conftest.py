import os
import tempfile
import uuid
from pathlib import Path

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.test import override_settings
from pytest_django.live_server_helper import LiveServer

# Commands the tests run in another process (`synthesize`, `load_catalogue`) write the lists'
# downloads: into a folder of the tests', not the project's var/.
os.environ.setdefault("DOWNLOADS_DIR", tempfile.mkdtemp(prefix="catalogue-test-downloads-"))


def pytest_addoption(parser):
    parser.addoption(
        "--added-sources",
        action="store_true",
        help="run on a copy of the fixtures with two more sources (tests/added_sources.py)",
    )


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    # The suite must pass whatever sources the fixtures hold: with --added-sources it runs on a
    # copy with two more, one English and one Japanese, as a curator would add them.
    if not config.getoption("--added-sources"):
        return
    import shutil

    from django.conf import settings

    from tests.added_sources import add_sources

    fixtures = Path(tempfile.mkdtemp(prefix="catalogue-added-sources-")) / "fixtures"
    shutil.copytree(settings.FIXTURES_DIR, fixtures)
    add_sources(fixtures)
    settings.FIXTURES_DIR = fixtures


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, tmp_path_factory, request):
    """The whole suite runs on the real catalogue, loaded once into the test database (which
    writes the lists' downloads: into a folder of the tests', not the project's var/)."""
    with (
        django_db_blocker.unblock(),
        override_settings(DOWNLOADS_DIR=tmp_path_factory.mktemp("loaded-downloads")),
    ):
        call_command("load_catalogue", verbosity=0)
        if request.config.getoption("--added-sources"):
            # As the curator who added them would, bring the note's counts up to date.
            from django.conf import settings

            from programmes.kinds import counts
            from tests.added_sources import write_counts

            write_counts(
                settings.FIXTURES_DIR / "TRANSCRIPTION.md",
                {name.replace("_", " "): n for name, n in counts().items()},
            )


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The hashed-manifest storage needs collectstatic; tests render templates without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _site_url(settings):
    # The test client's host, so that URLs in pages read as they do in a browser on this server;
    # tests/test_site_url.py sends other Host headers and checks that nothing follows them.
    settings.SITE_URL = "http://testserver"


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    # Tests change rows inside their transaction without reloading, so a page cached by an earlier
    # test would hide the change; tests/test_caching.py turns the page cache on where it tests it.
    settings.CACHE_PAGES = False
    settings.CACHE_FACETS = False


@pytest.fixture
def fresh_cache(settings):
    """Django's default cache replaced by an empty one of this test's own."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{uuid.uuid4()}",
        }
    }
    return caches["default"]


@pytest.fixture(autouse=True)
def _skip_postgres_only(request):
    # Tests marked `postgres` test PostgreSQL-only behaviour (e.g. stemming in search).
    if request.node.get_closest_marker("postgres"):
        from django.db import connection

        if connection.vendor != "postgresql":
            pytest.skip("needs PostgreSQL")


@pytest.fixture(autouse=True)
def _close_unread_streams():
    # A real server closes every answer, which ends its read snapshot; the test client closes a
    # streamed one only when the test reads it to the end.
    yield
    from programmes.http import turns
    from programmes.http.caching import close_open_snapshot

    close_open_snapshot()
    turns.streams.sending = 0  # nor gives back the stream's place among those sent at once


@pytest.fixture(autouse=True)
def _downloads_in_tmp(settings, tmp_path_factory):
    # The whole-catalogue download is written once per version; not into the project's var/.
    settings.DOWNLOADS_DIR = tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="session")
def _live_catalogue(django_db_setup, django_db_blocker):
    """pytest-django's live server, started once and serving the session's committed catalogue."""
    from programmes.models import CatalogueVersion

    with django_db_blocker.unblock():
        if not CatalogueVersion.objects.exists():
            call_command("load_catalogue", verbosity=0)
    server = LiveServer("localhost")
    server._live_server_modified_settings.enable()
    yield server.url
    server._live_server_modified_settings.disable()
    server.stop()


@pytest.fixture
def catalogue_server(_live_catalogue, db):
    """The live server's URL, for a test that reads the catalogue as the session loaded it
    (the browser tests, the API's schemathesis run).

    pytest-django's `live_server` fixture would make each test transactional and empty every
    table after it, to be filled again for the next; the pages only read, so each test runs in
    the ordinary rolled-back transaction and the server thread reads the committed catalogue
    (PostgreSQL: its own connection; in-memory SQLite: the test's shared connection).
    """
    return _live_catalogue
