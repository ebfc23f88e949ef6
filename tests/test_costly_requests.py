"""Costly requests are bounded. A statement that runs too long is stopped on either database and
answered as an outage is: a quick 503 with Retry-After (a cached page where there is one);
PostgreSQL has `statement_timeout`, SQLite a progress handler on each connection
(`catalogue/sqlite.py`). Searches are answered a few at a time by the whole server
(`programmes/http/turns.py`); one more than that waits its turn, then is a 503."""

import time

import pytest
from django.db import OperationalError, connection

from catalogue.settings import statement_timeout_ms
from catalogue.sqlite import TimeLimitedConnection
from programmes.http import turns

LIMIT_MS = 200
# Seconds of work on either database, far past the limit.
COSTLY = {
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000)"
    " SELECT count(*) FROM c",
    "postgresql": "SELECT pg_sleep(3)",
}
# Rows one at a time, as a download reads them.
ROWS = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000)"
    " SELECT x FROM c"
)


@pytest.fixture
def time_limit(db):
    """Statements of the test's connection limited to LIMIT_MS, as the setting would."""
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {LIMIT_MS}")
        yield
        return
    raw = connection.connection
    kept = raw.time_limit
    raw.time_limit = LIMIT_MS / 1000
    yield
    raw.time_limit = kept


def _costly_first_statement():
    """An execute wrapper that runs the costly statement before the request's first one."""
    ran = []

    def wrapper(execute, sql, params, many, context):
        if not ran:
            ran.append(sql)
            execute(COSTLY[connection.vendor], (), False, context)
        return execute(sql, params, many, context)

    return wrapper


def test_sqlite_connections_are_time_limited_by_the_setting(db):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL is given statement_timeout")
    connection.ensure_connection()
    assert isinstance(connection.connection, TimeLimitedConnection)
    assert connection.connection.time_limit == statement_timeout_ms() / 1000


@pytest.mark.parametrize("url", ["/projects/", "/projects.json", "/search/?q=sewage"])
def test_a_statement_past_the_limit_is_a_quick_503(client, time_limit, url):
    client.raise_request_exception = False
    began = time.monotonic()
    with connection.execute_wrapper(_costly_first_statement()):
        response = client.get(url)
    took = time.monotonic() - began
    assert response.status_code == 503
    assert response["Retry-After"]
    assert response["Cache-Control"] == "no-store"
    assert took < 2, f"answered after {took:.1f} s"


def test_a_statement_past_the_limit_raises_the_databases_own_error(time_limit):
    with pytest.raises(OperationalError), connection.cursor() as cursor:
        cursor.execute(COSTLY[connection.vendor])
        cursor.fetchone()


def test_a_slow_reader_of_rows_is_not_cut_for_its_own_time(time_limit):
    """Each fetch of more rows is timed on its own, as each FETCH of a PostgreSQL cursor is: a
    download read slowly by its client is never stopped for the time its client takes."""
    if connection.vendor != "sqlite":
        pytest.skip("a PostgreSQL cursor's FETCH is a statement of its own")
    with connection.cursor() as cursor:
        cursor.execute(ROWS)
        read = len(cursor.fetchmany(1000))
        time.sleep(LIMIT_MS / 1000 * 2)
        read += len(cursor.fetchmany(1000))
    assert read == 2000


@pytest.fixture
def one_search_at_once(settings, db):
    settings.SEARCHES_AT_ONCE = 1
    settings.SEARCH_WAIT_SECONDS = 0


@pytest.mark.parametrize("url", ["/search/?q=sewage", "/search.json?q=sewage", "/projects/?q=loan"])
def test_a_search_beyond_those_at_once_is_a_quick_503(client, one_search_at_once, url):
    with turns.search_turn() as turn:  # another worker's search, being answered
        assert turn
        busy = client.get(url)
        other = client.get("/projects/")
    assert busy.status_code == 503
    assert busy["Retry-After"]
    assert busy["Cache-Control"] == "no-store"
    assert b"searches" in busy.content
    assert other.status_code == 200
    assert client.get(url).status_code == 200  # the turn is free again


def test_a_search_waits_for_a_turn_before_it_gives_up(client, settings, one_search_at_once):
    settings.SEARCH_WAIT_SECONDS = 1
    with turns.search_turn():
        began = time.monotonic()
        assert client.get("/search/?q=sewage").status_code == 503
    assert time.monotonic() - began >= 1
