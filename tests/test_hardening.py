"""Hostile and broken requests get a clear 4xx naming what was wrong, never a 500 or a leak."""

import io
import json
import logging
import re
import shutil
import sqlite3
import stat
import threading
import uuid
from http import HTTPStatus

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management import CommandError, call_command
from django.db import DatabaseError, OperationalError, connection

from programmes.http.logs import RequestLineFormatter
from programmes.http.middleware import MAX_QUERY_STRING
from programmes.lists.parameters import MAX_PAGE, MAX_VALUES
from programmes.models import City, FundedProject, Partner, Person, Programme, Source, Statement
from programmes.urls import urlpatterns
from tests.fixture_figures import full_form

pytestmark = pytest.mark.django_db

# Every list in every format, read from the URLconf so that a new list is tested too.
LIST_URLS = [
    f"/{p.pattern}"
    for p in urlpatterns
    if p.name and p.name.endswith(("-list", "-list-json", "-list-csv"))
]
SEARCH_URLS = ["/search/", "/search.json"]
# The generic checks run before any view, the same for every format; CSV is covered by fuzzing.
GENERIC_URLS = [u for u in LIST_URLS if not u.endswith(".csv")] + SEARCH_URLS + ["/projects.csv"]

# (query string, status, parameter named, words of the message) for every list and format.
GENERIC_BAD_INPUT = {
    "non-utf8-value": ("q=%FF%FE", 400, "q", "not valid UTF-8"),
    "non-utf8-raw-byte": ("q=caf\xe9", 400, "q", "not valid UTF-8"),
    "non-utf8-name": ("%FF=1", 400, "query string", "not valid UTF-8"),
    "nul-byte": ("q=a%00b", 400, "q", "control character"),
    "escape-character": ("q=%1B%5B2J", 400, "q", "control character"),
    "over-long-value": ("q=" + "x" * 201, 400, "q", "at most 200 characters"),
    "over-long-name": ("x" * 51 + "=1", 400, "query string", "at most 50 characters"),
    "over-long-query": (
        "&".join(["q=" + "y" * 150] * (MAX_QUERY_STRING // 152 + 1)),
        400,
        "query string",
        str(MAX_QUERY_STRING),
    ),
    "too-many-parameters": ("&".join(f"p{i}=1" for i in range(65)), 400, "query string", "64"),
    "repeated-page": ("page=1&page=2", 400, "page", ""),
    "repeated-sort": ("sort=a&sort=b", 400, "sort", ""),
    "repeated-q": ("q=a&q=b", 400, "q", ""),
    # Each word is a pattern over every field searched: 68 short words took 4.9 s on SQLite.
    "too-many-words": ("q=" + "+".join("ab" for _ in range(11)), 400, "q", "at most 10 words"),
}

# What each list itself refuses, after the generic checks (its FilterSet and paginator).
LIST_BAD_INPUT = {
    "unknown-parameter": ("colour=green", 400, "colour", "unknown parameter"),
    "page-not-a-number": ("page=abc", 400, "page", "positive whole number"),
    "page-zero": ("page=0", 400, "page", "positive whole number"),
    "page-negative": ("page=-1", 400, "page", "positive whole number"),
    "huge-page": ("page=" + "9" * 30, 400, "page", f"at most {MAX_PAGE}"),
    "page-past-the-last": (f"page={MAX_PAGE}", 404, "page", "past the last page"),
    "too-many-values": ("&".join(["city=x"] * (MAX_VALUES + 1)), 400, "city", "at most"),
    "huge-page-size": ("page_size=100000000000000000000", 400, "page_size", "from 1 to 500"),
    "page-size-zero": ("page_size=0", 400, "page_size", "from 1 to 500"),
    "unknown-sort": ("sort=colour", 400, "sort", ""),
    # Digits that str.isdigit() accepts and int() refuses: ², ①, Arabic-Indic ٣.
    "page-superscript-digit": ("page=%C2%B2", 400, "page", "positive whole number"),
    "page-circled-digit": ("page=%E2%91%A0", 400, "page", "positive whole number"),
    "page-size-arabic-digit": ("page_size=%D9%A3", 400, "page_size", "from 1 to 500"),
    "sort-empty-names": ("sort=,", 400, "sort", "none of them empty"),
    "sort-trailing-comma": ("sort=-,", 400, "sort", "none of them empty"),
    "sort-a-column-twice": ("sort=-name,-name", 400, "sort", "each column name at most once"),
}

# One bad value of each kind of filter, per list: (url, query, parameter).
VIEW_BAD_INPUT = [
    ("/projects/", "sector=99999", "sector"),
    ("/projects/", "sector_category=abc", "sector_category"),
    ("/projects/", "city=atlantis", "city"),
    ("/projects/", "instrument=gift", "instrument"),
    ("/projects/", "year_from=abc", "year_from"),
    ("/projects/", "year_to=99999", "year_to"),
    ("/programmes/", "kind=bogus", "kind"),
    ("/programmes/", "role=king", "role"),
    ("/partners/", "kind=bogus", "kind"),
    ("/partners/", "country=XX", "country"),
    ("/people/", "organisation=nobody", "organisation"),
    ("/cities/", "country=XX", "country"),
    ("/awards/", "recipient=nobody", "recipient"),
    ("/milestones/", "programme=nothing", "programme"),
    ("/sources/", "kind=bogus", "kind"),
]


def _problem(status, url):
    """The RFC 9457 problem a data endpoint answers with no more to say than its status."""
    title = HTTPStatus(status).phrase
    return {"type": "about:blank", "title": title, "status": status, "instance": url}


def _get(client, url, query):
    # WSGI passes the query string as Latin-1-decoded bytes: the client must too.
    return client.generic("GET", url, QUERY_STRING=query)


def _assert_names(response, url, parameter, words):
    body = response.content.decode("utf-8", errors="replace")
    if url.endswith((".json", ".csv")):
        # An RFC 9457 problem, as on every data endpoint (tests/test_api.py).
        assert response["Content-Type"] == "application/problem+json"
        assert response["Access-Control-Allow-Origin"] == "*"
        data = json.loads(body)
        assert data["status"] == response.status_code
        assert data["title"] == HTTPStatus(response.status_code).phrase
        assert parameter in data["parameters"]
        assert words in data["parameters"][parameter]
        assert f"{parameter}: {data['parameters'][parameter]}" in data["detail"]
    else:
        assert response["Content-Type"].startswith("text/html")
        assert f"<code>{parameter}</code>" in body
        assert words in body


BAD_INPUT_TABLE = [
    *[(url, case, GENERIC_BAD_INPUT[case]) for case in GENERIC_BAD_INPUT for url in GENERIC_URLS],
    *[(url, case, LIST_BAD_INPUT[case]) for case in LIST_BAD_INPUT for url in LIST_URLS],
]


def test_every_list_of_the_catalogue_is_in_the_table():
    lists = {"cities", "programmes", "partners", "awards", "projects", "milestones", "sources"}
    for fmt in ("/", ".json", ".csv"):
        assert {f"/{name}{fmt}" for name in lists} <= set(LIST_URLS)


@pytest.mark.parametrize(
    ("url", "case", "expected"), BAD_INPUT_TABLE, ids=[f"{c}-{u}" for u, c, _ in BAD_INPUT_TABLE]
)
def test_it_refuses_bad_input_naming_the_parameter(client, url, case, expected):
    query, status, parameter, words = expected
    response = _get(client, url, query)
    assert response.status_code == status
    _assert_names(response, url, parameter, words)


@pytest.mark.parametrize("fmt", ["/", ".json", ".csv"])
@pytest.mark.parametrize(("url", "query", "parameter"), VIEW_BAD_INPUT)
def test_each_list_refuses_a_bad_filter_value_naming_it(client, url, query, parameter, fmt):
    url = url.rstrip("/") + fmt
    response = _get(client, url, query)
    assert response.status_code == 400
    _assert_names(response, url, parameter, "")


def _two_values(choices):
    return [str(value) for value, _ in choices][:2]


# A multi-valued filter of each list and two of its real values.
MULTI_VALUED = {
    "/projects": ("instrument", lambda: _two_values(FundedProject.Instrument.choices)),
    "/programmes": ("kind", lambda: _two_values(Programme.Kind.choices)),
    "/partners": ("kind", lambda: _two_values(Partner.Kind.choices)),
    "/sources": ("kind", lambda: _two_values(Source.Kind.choices)),
    "/cities": ("country", lambda: sorted({c.country for c in City.objects.all()})[:2]),
    "/people": ("organisation", lambda: [p.organisation.slug for p in Person.objects.all()][:2]),
    "/awards": ("conferred_by", lambda: [p.slug for p in Partner.objects.all()][:2]),
    "/milestones": ("city", lambda: [c.slug for c in City.objects.all()][:2]),
    "/statements": ("topic", lambda: _two_values(Statement.Topic.choices)),
}


@pytest.mark.parametrize("url", LIST_URLS)
def test_a_multi_valued_filter_may_repeat(client, url):
    # The generic check must not refuse what a FilterSet accepts several times.
    name, values = MULTI_VALUED[url.rstrip("/").rsplit(".", 1)[0]]
    values = values()
    assert len(set(values)) == 2
    assert client.get(url, {name: values}).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/cities/atlantis/",
        "/projects/no-such-project/",
        "/programmes/no-such-programme.json",
        "/sources/no-such-source/",
        "/no-such-section/",
        "/cities/caf%C3%A9/",
    ],
)
def test_unknown_slugs_and_pages_are_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    body = response.content.decode()
    if url.endswith(".json"):
        assert response["Content-Type"] == "application/problem+json"
        assert json.loads(body) == _problem(404, url)
    else:
        assert "<h1>Not found</h1>" in body


def test_a_path_that_is_not_utf8_is_400(client):
    response = client.get("/cities/%FF/")
    assert response.status_code == 400
    assert "<code>path</code>" in response.content.decode()


@pytest.mark.parametrize(
    "method", ["POST", "PUT", "PATCH", "DELETE", "TRACE", "CONNECT", "PROPFIND"]
)
@pytest.mark.parametrize("url", ["/", "/projects/", "/projects.json", "/no-such-page/"])
def test_only_get_head_and_options_are_served(client, method, url):
    response = client.generic(method, url, data=b"x=1")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    body = response.content.decode()
    if url.endswith(".json"):
        assert json.loads(body)["allow"] == ["GET", "HEAD", "OPTIONS"]
    else:
        assert f"not <code>{method}</code>" in body


@pytest.mark.parametrize("url", ["/", "/projects/", "/projects.json"])
def test_head_and_options_are_answered(client, url):
    head, get = client.head(url), client.get(url)
    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Length"] == str(len(get.content))
    assert head["Content-Type"] == get["Content-Type"]
    options = client.options(url)
    assert options.status_code == 200
    assert options["Allow"] == "GET, HEAD, OPTIONS"
    assert options.content == b""


# --- no leaks ------------------------------------------------------------------------------

LEAKS = ["Traceback", "django", "Django", "psycopg", "SELECT ", "sqlite", "gunicorn", "Python"]


def _refuse_every_query(execute, sql, params, many, context):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


def _crash(*args, **kwargs):
    raise ZeroDivisionError("SELECT secret FROM internals")


@pytest.mark.parametrize("url", ["/projects/", "/projects.json", "/cities/dalian/", "/search/?q=x"])
def test_an_unreachable_database_is_a_quick_503(client, url):
    client.raise_request_exception = False
    with connection.execute_wrapper(_refuse_every_query):
        response = client.get(url)
    assert response.status_code == 503
    assert response["Retry-After"]
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    if url.endswith(".json"):
        assert json.loads(body) == _problem(503, url)
    else:
        assert "cannot reach its database" in body
    for leak in LEAKS + ["127.0.0.1", "refused"]:
        assert leak not in body


@pytest.mark.parametrize("url", ["/projects/", "/projects.json"])
def test_a_server_error_shows_no_trace_sql_or_version(client, url, monkeypatch):
    for page_method in ("for_list", "for_export"):  # the HTML list and its JSON twin
        monkeypatch.setattr(type(FundedProject.objects.all()), page_method, _crash)
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 500
    body = response.content.decode()
    for leak in LEAKS + ["ZeroDivisionError", "secret"]:
        assert leak not in body
    if url.endswith(".json"):
        assert json.loads(body) == _problem(500, url)
    else:
        assert "<h1>Server error</h1>" in body


@pytest.mark.parametrize("status", [400, 404, 405, 500, 503])
def test_every_error_page_is_in_the_sites_style_and_names_no_software(status, rf):
    from django.template.loader import render_to_string

    html = render_to_string(f"{status}.html", {"request": rf.get("/x/"), "allow": ["GET"]})
    assert 'class="site-header"' in html and 'class="error-page"' in html
    for leak in LEAKS:
        assert leak not in html


# --- logs ----------------------------------------------------------------------------------


@pytest.fixture
def stderr_log():
    """What the configured stderr handler writes."""
    (handler,) = [
        h for h in logging.getLogger().handlers if isinstance(h.formatter, RequestLineFormatter)
    ]
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


def test_it_logs_one_line_per_failed_request_and_nothing_secret(client, stderr_log):
    client.raise_request_exception = False
    client.cookies["sessionid"] = "cookie-value-that-must-not-be-logged"
    client.get("/projects/no-such-project/?x=1")
    client.get("/projects/", {"page": "abc"})
    with connection.execute_wrapper(_refuse_every_query):
        client.get("/cities/")
    lines = stderr_log.getvalue().strip().splitlines()
    assert len(lines) == 3, lines
    assert "GET 404 /projects/no-such-project/?x=1 Not Found" in lines[0]
    assert "GET 400 /projects/?page=abc Bad Request" in lines[1]
    assert "GET 503 /cities/ Service Unavailable | OperationalError" in lines[2]
    for line in lines:
        assert "cookie-value" not in line and settings.SECRET_KEY not in line


def test_a_log_line_cannot_be_forged_through_the_path(client, stderr_log):
    client.get("/no-such-page/%0A2030-01-01 ERROR forged/")
    lines = stderr_log.getvalue().strip().splitlines()
    assert len(lines) == 1 and "forged" in lines[0]


# --- a failed load while serving ---------------------------------------------------------


@pytest.mark.parametrize("url", ["/projects/", "/projects.json", "/cities/dalian/", "/sources/"])
def test_a_failed_load_leaves_the_served_pages_as_they_were(client, url, tmp_path):
    before = client.get(url)
    assert before.status_code == 200
    fixtures = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURES_DIR, fixtures)
    speech = fixtures / "records" / "000_dalian_speech_2003.json"
    doc = full_form(speech)
    doc["records"][-1]["cite"] = ["words that are nowhere in the speech"]
    speech.write_text(json.dumps(doc, ensure_ascii=False))

    with pytest.raises(CommandError, match="database unchanged"):
        call_command("load_catalogue", fixtures=str(fixtures), verbosity=0)

    after = client.get(url)
    assert after.status_code == 200
    assert after.content == before.content


RECORD_URLS = [
    "/cities/dalian/",
    "/cities/dalian.json",
    "/milestones/global-500-award-to-dalian/",
    "/sources/liang-2003-environmental-protection-and-international-cooperation-in-dalian/",
]


@pytest.mark.parametrize("url", RECORD_URLS)
def test_a_record_page_refuses_a_parameter_it_does_not_read(client, url):
    """An unknown parameter would render (and cache) the page afresh for every value of it."""
    response = _get(client, url, "x=1")
    assert response.status_code == 400
    _assert_names(response, url, "x", "unknown parameter")


def test_the_reader_still_takes_its_page():
    from django.test import Client

    url = RECORD_URLS[-1]
    assert Client().get(url, {"page": "1"}).status_code == 200
    response = Client().get(url, {"page": "²"})
    assert response.status_code == 400
    _assert_names(response, url, "page", "positive whole number")


@pytest.mark.parametrize("path", ["//evil.example/x", "/\\evil.example/x", "///evil.example/x"])
def test_an_error_page_links_only_to_this_site(client, path):
    """The 400 page's "Start again" link is a path of this site, never a protocol-relative
    address another site's path could make of it."""
    response = client.generic("GET", "/", PATH_INFO=path, QUERY_STRING="a=%01")
    assert response.status_code == 400
    body = response.content.decode()
    links = re.findall(r'href="([^"]*)"', body)
    assert links
    for link in links:
        assert link.startswith(("/", "#")) and not link.startswith(("//", "/\\")), link


# --- a damaged database and other faults of the machine ----------------------------------


def damaged_sqlite_file(path):
    """A file of garbage bytes where an SQLite database should be."""
    path.write_bytes(b"\x00not a database\xff" * 512)
    return path


def _damage(tmp_path):
    """The error SQLite gives for a file of garbage bytes, raised as Django raises it."""
    damaged = damaged_sqlite_file(tmp_path / "damaged.sqlite3")
    with pytest.raises(sqlite3.DatabaseError) as caught:
        sqlite3.connect(damaged).execute("SELECT name FROM sqlite_master")

    def raise_it(execute, sql, params, many, context):
        raise DatabaseError(*caught.value.args) from caught.value

    return raise_it


def test_a_damaged_database_is_a_503_and_its_cached_pages_are_still_served(
    client, settings, fresh_cache, tmp_path, caplog
):
    settings.CACHE_PAGES = True
    fresh = client.get("/cities/dalian/")
    assert fresh.status_code == 200
    client.raise_request_exception = False
    with connection.execute_wrapper(_damage(tmp_path)):
        stale = client.get("/cities/dalian/")
        uncached = {url: client.get(url) for url in ("/cities/shanghai/", "/cities.json")}
    assert stale.status_code == 200
    assert stale.content == fresh.content
    assert int(stale["Age"]) >= 0
    for url, response in uncached.items():
        assert response.status_code == 503, url
        assert response["Retry-After"]
        body = response.content.decode()
        for leak in LEAKS + ["not a database", "damaged"]:
            assert leak not in body
    assert str(connection.settings_dict["NAME"]) in caplog.text
    assert "delete it" in caplog.text


def test_a_share_card_is_readable_as_other_static_files_are(client, settings, tmp_path):
    settings.SHARE_IMAGES_DIR = tmp_path
    assert client.get("/share/project/sewage-processing-plant-1.png").status_code == 200
    (card,) = tmp_path.rglob("*.png")
    assert stat.S_IMODE(card.stat().st_mode) == 0o644


def test_a_failed_redis_is_left_alone_by_every_thread_of_the_process(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "programmes.redis_cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "KEY_PREFIX": f"test-{uuid.uuid4()}",
            "OPTIONS": {"timeout_ms": 50, "retry_seconds": 30},
        }
    }
    assert caches["default"].get("a", "miss") == "miss"  # refused: the circuit opens
    assert caches["default"].circuit.is_open()
    seen = []
    other = threading.Thread(target=lambda: seen.append(caches["default"].circuit.is_open()))
    other.start()
    other.join(10)
    assert seen == [True]
