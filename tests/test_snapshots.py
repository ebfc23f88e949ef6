"""One snapshot per request, streamed answers included, and what an unreachable database costs:
nothing for pages already in the cache, a quick 503 for the others, a CSV that ends cleanly."""

import csv
import io

import pytest
from django.db import OperationalError, connection

from programmes.formats import exports
from programmes.http import caching
from programmes.models import CatalogueVersion, FundedProject
from programmes.views import records

pytestmark = pytest.mark.django_db


def refuse_every_query(execute, sql, params, many, context):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


@pytest.fixture
def page_cache(settings, fresh_cache):
    settings.CACHE_PAGES = True
    return fresh_cache


def test_the_version_and_the_pages_queries_are_read_in_one_transaction(client, monkeypatch):
    outside = len(connection.atomic_blocks)
    depths = []
    read_version, read_summary = caching.current_version, records._home_summary

    def version(alias):
        depths.append(("version", len(connection.atomic_blocks)))
        return read_version(alias)

    def summary(version):
        depths.append(("page", len(connection.atomic_blocks)))
        return read_summary(version)

    monkeypatch.setattr(caching, "current_version", version)
    monkeypatch.setattr(records, "_home_summary", summary)
    assert client.get("/").status_code == 200
    assert depths == [("version", outside + 1), ("page", outside + 1)]
    assert len(connection.atomic_blocks) == outside


def test_a_streamed_csv_keeps_its_snapshot_until_the_stream_ends(client):
    outside = len(connection.atomic_blocks)
    response = client.get("/projects.csv")
    assert response.status_code == 200
    assert len(connection.atomic_blocks) == outside + 1
    body = b"".join(response.streaming_content).decode()
    assert len(connection.atomic_blocks) == outside
    assert len(list(csv.DictReader(io.StringIO(body)))) == FundedProject.objects.count()


def test_a_stream_closed_before_it_began_closes_its_snapshot(client):
    outside = len(connection.atomic_blocks)
    response = client.get("/projects.csv")
    assert len(connection.atomic_blocks) == outside + 1
    response.close()  # what a server does when the client has gone
    assert len(connection.atomic_blocks) == outside


def test_the_etag_names_the_version_read_in_the_snapshot(client):
    version = CatalogueVersion.objects.latest()
    response = client.get("/cities/")
    expected = caching.etag_for(response.wsgi_request, version)
    assert response["ETag"] == expected


def test_a_cached_page_is_served_while_the_database_is_unreachable(client, page_cache):
    fresh = client.get("/cities/dalian/")
    assert fresh.status_code == 200
    client.raise_request_exception = False
    with connection.execute_wrapper(refuse_every_query):
        stale = client.get("/cities/dalian/")
        revalidated = client.get("/cities/dalian/", headers={"if-none-match": fresh["ETag"]})
        uncached = client.get("/cities/shanghai/")
    assert stale.status_code == 200
    assert stale.content == fresh.content
    assert stale["ETag"] == fresh["ETag"]
    assert int(stale["Age"]) >= 0
    assert revalidated.status_code == 304
    assert uncached.status_code == 503
    assert uncached["Retry-After"]


def test_without_the_page_cache_an_unreachable_database_is_a_503(client, settings):
    client.get("/cities/dalian/")
    client.raise_request_exception = False
    with connection.execute_wrapper(refuse_every_query):
        response = client.get("/cities/dalian/")
    assert response.status_code == 503


def test_a_csv_whose_database_fails_before_the_first_row_is_a_503(client, monkeypatch):
    def fail(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(exports, "csv_row", fail)
    client.raise_request_exception = False
    response = client.get("/projects.csv")
    assert response.status_code == 503


def test_a_csv_whose_database_fails_mid_stream_ends_cleanly_with_a_last_line(
    client, monkeypatch, caplog
):
    rows, write_row = [], exports.csv_row

    def fail_after_two(table, values):
        if len(rows) == 2:
            raise OperationalError("server closed the connection unexpectedly")
        rows.append(write_row(table, values))
        return rows[-1]

    monkeypatch.setattr(exports, "csv_row", fail_after_two)
    assert FundedProject.objects.count() > 2
    outside = len(connection.atomic_blocks)
    response = client.get("/projects.csv")
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[-1] == [exports.CUT_SHORT]
    assert len(lines) == 1 + 2 + 1  # header, the two rows read, the last line
    assert lines[1:3] == rows
    assert len(connection.atomic_blocks) == outside
    assert "cut short" in caplog.text
