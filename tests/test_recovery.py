"""Recovery within one request once PostgreSQL is back: a pool that failed to connect is given
anew by the outage's answer, so it connects at once instead of after its own backoff
(`outages.renew_failing_pools`; tests/perf/db_restart.py --pgdata measures it on a server of
its own)."""

import pytest
from django.db import OperationalError, connection

from programmes import outages


class _Pool:
    def __init__(self, errors):
        self.errors = errors

    def pop_stats(self):
        stats, self.errors = {"connections_errors": self.errors} if self.errors else {}, 0
        return stats


class _Connection:
    def __init__(self, alias, pool):
        self.alias, self.pool, self.renewed = alias, pool, 0

    def close_pool(self):
        self.renewed += 1
        self.pool = _Pool(0)


@pytest.fixture
def pools(monkeypatch):
    made = {
        "failing": _Connection("failing", _Pool(3)),
        "busy": _Connection("busy", _Pool(0)),
        "sqlite": _Connection("sqlite", None),
    }
    monkeypatch.setattr(outages.connections, "all", lambda initialized_only=False: made.values())
    monkeypatch.setattr(outages, "_renewed", {})
    return made


def test_only_a_pool_that_failed_to_connect_is_given_anew(pools):
    outages.renew_failing_pools()
    assert {alias: c.renewed for alias, c in pools.items()} == {
        "failing": 1,
        "busy": 0,
        "sqlite": 0,
    }


def test_a_pool_given_anew_is_left_to_connect_for_a_moment(pools, monkeypatch):
    outages.renew_failing_pools()
    pools["failing"].pool = _Pool(1)  # its first attempt failed too: the server is still down
    outages.renew_failing_pools()
    assert pools["failing"].renewed == 1
    now = outages.time.monotonic()
    monkeypatch.setattr(outages.time, "monotonic", lambda: now + outages.RENEWED_POOL_GRACE)
    outages.renew_failing_pools()
    assert pools["failing"].renewed == 2


def _refuse(execute, sql, params, many, context):
    raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/projects/", "/projects.json"])
def test_the_503_of_an_outage_gives_failing_pools_anew(client, monkeypatch, url):
    renewed = []
    monkeypatch.setattr(outages, "renew_failing_pools", lambda: renewed.append(url))
    client.raise_request_exception = False
    with connection.execute_wrapper(_refuse):
        assert client.get(url).status_code == 503
    assert renewed == [url]
