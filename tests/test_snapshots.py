"""One snapshot per request, streamed answers included, and what an unreachable database costs:
nothing for pages already in the cache, a quick 503 for the others, a CSV that ends cleanly."""

import csv
import io

import pytest
from django.db import OperationalError, connection

from programmes.formats import exports
from programmes.http import caching, turns
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


@pytest.mark.parametrize("url", ["/projects.csv", "/projects.csv?sort=title"])
def test_a_csv_is_read_in_its_snapshot_and_sent_without_the_database(
    client, url, django_assert_num_queries
):
    """Its rows are read whole inside the view, so a client reading it slowly holds neither a
    transaction nor a connection of the pool."""
    outside = len(connection.atomic_blocks)
    response = client.get(url)
    assert response.status_code == 200
    assert len(connection.atomic_blocks) == outside
    with django_assert_num_queries(0):
        body = b"".join(response.streaming_content).decode()
    assert len(list(csv.DictReader(io.StringIO(body)))) == FundedProject.objects.count()


def test_a_stream_closed_before_it_began_gives_back_its_place(client):
    response = client.get("/projects.csv?sort=title")
    assert turns.streams.sending == 1
    response.close()  # what a server does when the client has gone
    assert turns.streams.sending == 0


def test_streams_past_those_a_worker_sends_at_once_are_a_quick_503(client, settings):
    settings.STREAMS_AT_ONCE = 2
    sending = [client.get(url) for url in ("/projects.csv", "/cities.csv?sort=name")]
    assert [r.status_code for r in sending] == [200, 200]
    refused = client.get("/programmes.csv")
    assert refused.status_code == 503
    assert refused["Retry-After"]
    assert refused["Content-Type"] == "application/problem+json"
    assert "downloads" in refused.json()["detail"]
    assert client.get("/cities/").status_code == 200  # pages are not streams
    b"".join(sending[0].streaming_content)  # read to its end: its place is given back
    assert client.get("/programmes.csv").status_code == 200


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


def test_a_csv_whose_database_fails_while_it_is_read_is_a_503_not_a_part(client, monkeypatch):
    rows, write_row = [], exports.csv_row

    def fail_after_two(table, values):
        if len(rows) == 2:
            raise OperationalError("server closed the connection unexpectedly")
        rows.append(write_row(table, values))
        return rows[-1]

    monkeypatch.setattr(exports, "csv_row", fail_after_two)
    assert FundedProject.objects.count() > 2
    outside = len(connection.atomic_blocks)
    client.raise_request_exception = False
    response = client.get("/projects.csv?sort=title")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert len(connection.atomic_blocks) == outside
    assert turns.streams.sending == 0


def test_a_csv_without_room_to_be_written_first_is_a_503(client, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(exports.tempfile.SpooledTemporaryFile, "write", full)
    client.raise_request_exception = False
    response = client.get("/projects.csv?sort=title")
    assert response.status_code == 503
    assert response["Retry-After"]


def test_a_stream_gives_its_pooled_connections_back_before_it_is_sent(client, monkeypatch):
    """Django returns a connection to its pool when the request ends, which for a stream is
    when its client has read it: a CSV gives it back as soon as it is written."""
    given_back = []
    monkeypatch.setattr(caching, "give_back_pooled_connections", lambda: given_back.append(1))
    assert client.get("/projects/").status_code == 200
    assert given_back == []
    response = client.get("/projects.csv?sort=title")
    assert given_back == [1]
    b"".join(response.streaming_content)


class _Connection:
    def __init__(self, pool, in_atomic_block=False):
        self.pool, self.in_atomic_block, self.closed = pool, in_atomic_block, False

    def close(self):
        self.closed = True


def test_only_pooled_connections_outside_a_transaction_are_given_back(monkeypatch):
    pooled, kept, busy = _Connection(object()), _Connection(None), _Connection(object(), True)
    monkeypatch.setattr(
        caching.connections, "all", lambda initialized_only=False: [pooled, kept, busy]
    )
    caching.give_back_pooled_connections()
    assert (pooled.closed, kept.closed, busy.closed) == (True, False, False)
