"""HTTP caching keyed to the catalogue version: validators, 304s, the server-side page cache."""

import datetime
import gzip
import json
import uuid

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.middleware import gzip as gzip_middleware
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import http_date

from programmes.http import caching
from programmes.models import CatalogueVersion, City, Source

pytestmark = pytest.mark.django_db

PAGES = ["/", "/cities/", "/cities/dalian/", "/projects/", "/sources/"]


def source_pages():
    return [s.get_absolute_url() for s in Source.objects.all()]


@pytest.fixture
def page_cache(settings, fresh_cache):
    """The page cache on, in a cache of its own so no earlier test's pages are in it."""
    settings.CACHE_PAGES = True
    return fresh_cache


def new_version():
    """What a reload leaves behind: a new CatalogueVersion row, a second later."""
    latest = CatalogueVersion.objects.latest()
    return CatalogueVersion.objects.create(
        version="0" * 64,
        loaded_at=latest.loaded_at + datetime.timedelta(seconds=1),
        counts=latest.counts,
    )


@pytest.mark.parametrize("url", PAGES)
def test_it_gives_every_page_an_etag_last_modified_and_public_max_age(client, url, settings):
    settings.CACHE_MAX_AGE = 123
    response = client.get(url)
    assert response.status_code == 200
    version = CatalogueVersion.objects.latest()
    assert response["ETag"].startswith('"') and len(response["ETag"]) == 42
    assert response["Last-Modified"] == http_date(version.loaded_at.timestamp())
    assert response["Cache-Control"] == "public, max-age=123"


def test_it_derives_the_etag_from_path_and_query_string(client):
    etags = {client.get(url)["ETag"] for url in ["/cities/", "/projects/", "/projects/?page=1"]}
    assert len(etags) == 3


@pytest.mark.parametrize("url", PAGES)
def test_it_answers_a_matching_if_none_match_with_an_empty_304_without_rendering(
    client, url, django_assert_num_queries
):
    etag = client.get(url)["ETag"]
    with django_assert_num_queries(1):  # the catalogue version, nothing else
        response = client.get(url, headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag
    # What the 200 would say of the representation (RFC 9110 15.4.5): a cache keyed by it.
    assert "Accept-Encoding" in response["Vary"]
    assert response["Cache-Control"].startswith("public")


def test_it_renders_again_when_if_none_match_names_another_version(client):
    response = client.get("/cities/", headers={"if-none-match": '"not-this-version"'})
    assert response.status_code == 200
    assert response.content


def test_it_answers_if_modified_since_the_load_with_304(client):
    loaded_at = CatalogueVersion.objects.latest().loaded_at
    response = client.get(
        "/cities/", headers={"if-modified-since": http_date(loaded_at.timestamp())}
    )
    assert response.status_code == 304
    before = http_date(loaded_at.timestamp() - 60)
    assert client.get("/cities/", headers={"if-modified-since": before}).status_code == 200


def test_reloading_the_catalogue_changes_every_etag(client):
    before = {url: client.get(url)["ETag"] for url in PAGES}
    call_command("load_catalogue", verbosity=0)
    after = {url: client.get(url)["ETag"] for url in PAGES}
    assert all(before[url] != after[url] for url in PAGES)
    stale = client.get("/cities/", headers={"if-none-match": before["/cities/"]})
    assert stale.status_code == 200


@pytest.mark.parametrize("url", ["/cities/no-such-city/", "/no-such-page/"])
def test_it_gives_errors_no_validators_and_only_brief_caching(client, url, page_cache):
    response = client.get(url)
    assert response.status_code == 404
    assert not response.has_header("ETag")
    assert response["Cache-Control"] == "public, max-age=60"
    client.get(url)
    assert not [key for key in page_cache._cache if "catalogue-page" in key]


def test_it_serves_a_cached_page_until_the_catalogue_version_changes(client, page_cache):
    dalian = City.objects.get(slug="dalian")
    first = client.get("/cities/dalian/")
    assert first.status_code == 200 and b"Dalian" in first.content
    # A change without a reload is not seen: the page comes from the cache, with its headers.
    City.objects.filter(pk=dalian.pk).update(name="Renamed-without-reload")
    cached = client.get("/cities/dalian/")
    assert cached.content == first.content
    assert cached["ETag"] == first["ETag"]
    assert cached["Content-Type"] == first["Content-Type"]
    # After a reload the cached page is never served again.
    new_version()
    fresh = client.get("/cities/dalian/")
    assert b"Renamed-without-reload" in fresh.content
    assert fresh["ETag"] != first["ETag"]


def test_it_renders_every_request_when_the_page_cache_is_off(client, settings):
    settings.CACHE_PAGES = False
    client.get("/cities/dalian/")
    City.objects.filter(slug="dalian").update(name="Renamed-while-uncached")
    assert b"Renamed-while-uncached" in client.get("/cities/dalian/").content


@pytest.fixture
def snapshots_opened(monkeypatch):
    """The read snapshots requests open, counted."""
    opened = []
    open_snapshot = caching.Snapshot.open

    def counted(snapshot):
        opened.append(snapshot)
        open_snapshot(snapshot)

    monkeypatch.setattr(caching.Snapshot, "open", counted)
    return opened


def test_a_cached_page_costs_one_statement_and_no_transaction(client, page_cache, snapshots_opened):
    client.get("/sources/")
    assert len(snapshots_opened) == 1  # the page was built in a snapshot
    with CaptureQueriesContext(connection) as statements:
        response = client.get("/sources/")
    assert response.status_code == 200
    assert [s["sql"] for s in statements] == [caching._version_sql(connection)]
    assert len(snapshots_opened) == 1  # the cached page opened none


def test_a_304_costs_one_statement_and_no_transaction(client, snapshots_opened):
    etag = client.get("/cities/")["ETag"]
    with CaptureQueriesContext(connection) as statements:
        response = client.get("/cities/", headers={"if-none-match": etag})
    assert response.status_code == 304
    assert len(statements) == 1
    assert len(snapshots_opened) == 1


CACHED_URLS = [
    "/",
    "/cities/dalian/",
    "/projects/?sector=14022",
    "/projects.json",
    "/search/?q=sewage",
]


@pytest.mark.parametrize("encoding", ["", "gzip, deflate, br"])
@pytest.mark.parametrize("url", CACHED_URLS)
def test_a_cached_page_carries_the_body_and_headers_of_the_page_as_built(
    client, page_cache, django_assert_num_queries, url, encoding
):
    built = client.get(url, headers={"accept-encoding": encoding})
    with django_assert_num_queries(1):
        cached = client.get(url, headers={"accept-encoding": encoding})
    assert built.status_code == cached.status_code == 200
    assert cached.content == built.content
    assert dict(cached.headers) == dict(built.headers)
    assert ("Content-Encoding" in cached.headers) == bool(encoding)
    with django_assert_num_queries(1):
        head = client.head(url, headers={"accept-encoding": encoding})
    assert head.content == b""
    assert dict(head.headers) == dict(built.headers)


def test_a_cached_page_is_answered_before_the_other_middlewares_with_their_headers(
    client, page_cache, monkeypatch
):
    """A hit is answered by the outermost middleware: the headers the others add (security,
    frame, content and resource policies) come stored with the page, none is set again."""
    from django.middleware.security import SecurityMiddleware

    built = client.get("/cities/dalian/")
    assert built.headers["Content-Security-Policy"] and built.headers["X-Frame-Options"]
    calls = []
    original = SecurityMiddleware.process_response
    monkeypatch.setattr(
        SecurityMiddleware,
        "process_response",
        lambda self, request, response: (
            calls.append(request.path) or original(self, request, response)
        ),
    )
    cached = client.get("/cities/dalian/")
    assert dict(cached.headers) == dict(built.headers)
    assert calls == []  # the stored page passed them when it was built
    client.get("/static/programmes/favicon.svg")  # not a page: served below, as before
    assert calls


def test_a_page_kept_for_one_scheme_is_not_served_for_the_other(client, page_cache, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    secure = client.get("/cities/dalian/", secure=True)
    assert "Strict-Transport-Security" in secure.headers
    plain = client.get("/cities/dalian/")
    assert "Strict-Transport-Security" not in plain.headers
    again = client.get("/cities/dalian/", secure=True)
    assert dict(again.headers) == dict(secure.headers)


def test_a_cached_page_is_compressed_once_and_only_for_clients_that_accept_it(
    client, page_cache, monkeypatch
):
    compressed = []
    compress = gzip_middleware.compress_string

    def counted(*args, **kwargs):
        compressed.append(1)
        return compress(*args, **kwargs)

    monkeypatch.setattr(gzip_middleware, "compress_string", counted)
    first = client.get("/cities/", headers={"accept-encoding": "gzip"})
    again = client.get("/cities/", headers={"accept-encoding": "gzip"})
    plain = client.get("/cities/")
    assert len(compressed) == 1
    assert again.content == first.content
    assert gzip.decompress(first.content) == plain.content
    assert first["ETag"] == f"W/{plain['ETag']}"
    assert "Content-Encoding" not in plain.headers


def test_a_page_asked_for_again_is_served_from_the_process_without_the_cache(
    client, page_cache, monkeypatch
):
    first = client.get("/cities/dalian/")

    def unreachable(key):
        raise AssertionError(f"the cache was asked for {key}")

    monkeypatch.setattr(caching, "cache_get", unreachable)
    assert client.get("/cities/dalian/").content == first.content


def test_a_page_kept_by_another_process_is_served_from_the_cache(
    client, page_cache, snapshots_opened
):
    first = client.get("/cities/dalian/")
    caching.reset_local_pages()  # what a second app server starts with
    again = client.get("/cities/dalian/")
    assert again.content == first.content
    assert dict(again.headers) == dict(first.headers)
    assert len(snapshots_opened) == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [("PAGE_SIZE", 2), ("SITE_URL", "https://catalogue.example.org"), ("HTTPS", True)],
)
def test_a_server_with_other_page_settings_does_not_serve_this_ones_pages(
    client, page_cache, settings, name, value
):
    """Servers sharing one cache: a page built under one PAGE_SIZE, SITE_URL or HTTPS is not
    the page of a server with another (5 rows, or https:// links, served to the wrong one)."""
    first = client.get("/projects/")
    settings.ALLOWED_HOSTS = ["testserver"]
    setattr(settings, name, value)
    caching.reset_local_pages()  # another server: its own memory, the same shared cache
    again = client.get("/projects/", secure=name == "HTTPS")
    assert again["ETag"] != first["ETag"]
    if name == "PAGE_SIZE":  # the rows of this server's page size, not the other's
        body = again.content.decode()
        rows = body[body.index("<tbody>") : body.index("</tbody>")].count("<tr>")
        assert rows == value


def test_the_pages_kept_in_the_process_stay_within_their_bound():
    pages = caching.LocalPages(max_bytes=100)
    for key in "abc":
        pages.put(key, (b"x" * 40, None, None))
    assert list(pages.entries) == ["b", "c"]  # the oldest made room
    assert pages.get("b")  # read: "c" is the oldest now
    pages.put("d", (b"x" * 40, None, None))
    assert list(pages.entries) == ["b", "d"]
    pages.put("big", (b"x" * 101, None, None))
    assert pages.get("big") is None
    assert pages.size == 80 <= pages.max_bytes


def test_a_head_request_gets_the_cached_pages_headers_and_no_body(client, page_cache):
    get = client.get("/cities/")
    head = client.head("/cities/")
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == get["ETag"]
    assert head["Content-Length"] == str(len(get.content))


def test_it_never_stores_pages_for_requests_with_credentials(client, page_cache):
    client.get("/cities/", headers={"authorization": "Basic dXNlcjpwYXNz"})
    assert not [key for key in page_cache._cache if "catalogue-page" in key]


def test_it_shares_pages_through_redis_when_cache_url_names_it(client, settings):
    prefix = f"test-{uuid.uuid4()}"
    settings.CACHE_PAGES = True
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
            "KEY_PREFIX": prefix,
        }
    }
    first = client.get("/cities/")
    key = f"catalogue-page:{first['ETag'][1:-1]}"
    try:
        content, headers, _stored_at = caches["default"].get(key)
        assert content == first.content
        assert all(name.lower() != "set-cookie" for name, _ in headers)
    finally:
        caches["default"].delete(key)


# One URL of every kind the site answers: lists with facets and pictures, their JSON and CSV
# twins, records, search, share cards, the API description and the whole-catalogue download.
EVERY_KIND_OF_URL = [
    "/",
    "/cities/",
    "/cities/dalian/",
    "/cities/dalian.json",
    "/programmes/?city=dalian",
    "/projects/?sector=14022",
    "/projects.json?sector=14022",
    "/projects.csv",
    "/milestones/",
    "/sources/",
    "/search/?q=sewage",
    "/search.json?q=sewage",
    "/share/project/sewage-processing-plant-1.png",
    "/api/",
    "/api/openapi.json",
    "/catalogue.json",
]


@pytest.mark.parametrize("url", EVERY_KIND_OF_URL)
def test_it_keeps_serving_when_the_shared_cache_is_unreachable(client, settings, tmp_path, url):
    settings.CACHE_PAGES = True
    settings.CACHE_FACETS = True
    settings.SHARE_IMAGES_DIR = tmp_path / "share-images"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    assert client.get(url).status_code == 200


def test_the_api_description_is_built_once_per_version(client, page_cache):
    first = client.get("/api/openapi.json")
    assert [key for key in page_cache._cache if "openapi" in key]
    new_version()
    second = client.get("/api/openapi.json")
    assert second.status_code == first.status_code == 200
    assert second["ETag"] != first["ETag"]


def test_the_download_is_written_once_per_version_and_served_from_its_file(
    client, settings, tmp_path, django_assert_max_num_queries
):
    settings.DOWNLOADS_DIR = tmp_path
    first = client.get("/catalogue.json")
    body = b"".join(first.streaming_content)
    (written,) = tmp_path.glob("catalogue-*.json")
    assert written.read_bytes() == body
    assert json.loads(body)["catalogue_version"] == CatalogueVersion.objects.latest().version
    with django_assert_max_num_queries(2):  # the version, nothing of the catalogue
        again = client.get("/catalogue.json")
        assert b"".join(again.streaming_content) == body
    assert again["ETag"] == first["ETag"]
    new_version()
    second = client.get("/catalogue.json")
    b"".join(second.streaming_content)
    assert second["ETag"] != first["ETag"]
    assert [p.name for p in tmp_path.glob("catalogue-*.json")] != [written.name]
    assert len(list(tmp_path.glob("catalogue-*.json"))) == 1


def test_the_download_is_streamed_from_memory_when_its_folder_cannot_be_written(
    client, settings, tmp_path
):
    blocked = tmp_path / "file"
    blocked.write_text("")
    settings.DOWNLOADS_DIR = blocked / "downloads"  # under a file: cannot be made
    response = client.get("/catalogue.json")
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert json.loads(body)["format"] == "city-cooperation-catalogue-dump"


def test_it_sets_no_cookie_on_any_page(client):
    urls = PAGES + source_pages() + ["/cities/no-such-city/", "/search/?q=sewage"]
    for url in urls:
        response = client.get(url)
        assert "Set-Cookie" not in response.headers, url
        assert not response.cookies, url


def test_it_leaves_requests_alone_before_the_first_load(client):
    CatalogueVersion.objects.all().delete()
    response = client.get("/cities/")
    assert response.status_code == 200
    assert not response.has_header("ETag")


def test_it_takes_the_latest_load_as_the_version(client):
    old = client.get("/cities/")["ETag"]
    CatalogueVersion.objects.create(
        version="1" * 64, loaded_at=timezone.now() - datetime.timedelta(days=3650), counts={}
    )
    assert client.get("/cities/")["ETag"] == old


class _FailingDriver:
    """A driver connection whose every statement fails as a lost database's does."""

    def __init__(self, error):
        self.error = error

    def execute(self, sql):
        raise self.error("the database went away")


def test_the_version_is_read_on_the_drivers_connection_where_nothing_counts_statements(
    monkeypatch,
):
    db = connections[DEFAULT_DB_ALIAS]
    assert not db.force_debug_cursor and not db.execute_wrappers
    monkeypatch.setattr(type(db), "cursor", lambda self: pytest.fail("Django's cursor was used"))
    version = caching.current_version(db.alias)
    monkeypatch.undo()
    assert version.version == CatalogueVersion.objects.latest().version


def test_a_driver_error_reading_the_version_is_djangos_so_an_outage_is_recognised(monkeypatch):
    from django.db import OperationalError

    db = connections[DEFAULT_DB_ALIAS]
    db.ensure_connection()
    monkeypatch.setattr(db, "connection", _FailingDriver(db.Database.OperationalError))
    with pytest.raises(OperationalError):
        caching.current_version(db.alias)


def test_where_statements_are_counted_the_version_is_counted_too(django_assert_num_queries):
    with django_assert_num_queries(1):
        caching.current_version(DEFAULT_DB_ALIAS)
