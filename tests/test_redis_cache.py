"""A Redis that is gone or frozen costs a request at most about one socket timeout, and is then
left alone for a while: pages come from the database meanwhile."""

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid

import pytest
from django.core.cache import caches

from programmes.redis_cache import ResilientRedisCache

pytestmark = pytest.mark.django_db


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def frozen_redis():
    """A Redis server of this test's own, stopped with SIGSTOP once it accepts connections: its
    socket accepts (the kernel's backlog) but nothing ever answers."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    port = _free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
         "no"],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        os.kill(process.pid, signal.SIGSTOP)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        os.kill(process.pid, signal.SIGCONT)
        process.terminate()
        process.wait(5)


def _use(settings, url, **options):
    settings.CACHE_PAGES = True
    settings.CACHE_FACETS = True
    settings.CACHES = {
        "default": {
            "BACKEND": "programmes.redis_cache.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"test-{uuid.uuid4()}",
            "OPTIONS": {"timeout_ms": 50, "retry_seconds": 30, **options},
        }
    }
    return caches["default"]


def test_it_serves_pages_from_the_database_when_redis_is_frozen(client, settings, frozen_redis):
    cache = _use(settings, frozen_redis)
    started = time.monotonic()
    response = client.get("/projects/?sector=14022")
    first = time.monotonic() - started
    assert response.status_code == 200
    assert b"Sewage" in response.content or b"sewage" in response.content
    assert cache.circuit.is_open()
    # A frozen server without socket timeouts held every request for 10-30 s; with them the first
    # request pays one timeout, and the open circuit spares the rest (the bound is loose on a
    # shared machine: it tells a timeout from a hang, and is no speed target).
    assert first < 2.0
    started = time.monotonic()
    assert client.get("/cities/").status_code == 200
    assert cache.get("anything", "default") == "default"
    assert time.monotonic() - started < 2.0


def test_it_leaves_a_failed_redis_alone_until_the_retry_time(settings, monkeypatch):
    cache = _use(settings, "redis://127.0.0.1:1/0")
    calls = []
    original = cache._cache.get

    def counting_get(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(cache._cache, "get", counting_get)
    assert cache.get("a", "miss") == "miss"
    assert cache.get("b", "miss") == "miss"
    cache.set("c", 1)
    assert len(calls) == 1, "the second read went to Redis although the circuit was open"
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + 31)
    assert cache.get("d", "miss") == "miss"
    assert len(calls) == 2, "Redis was not tried again after the retry time"


def test_it_answers_every_cache_operation_as_a_miss_while_open(settings):
    cache = _use(settings, "redis://127.0.0.1:1/0")
    cache.circuit.open_until = time.monotonic() + 60
    assert cache.get("k") is None
    assert cache.get("k", 5) == 5
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    assert cache.add("k", 1) is False
    assert cache.set("k", 1) is None
    assert cache.set_many({"a": 1}) == ["a"]
    assert cache.delete("k") is False
    assert cache.touch("k") is False


def test_it_keeps_pages_in_a_working_redis(settings):
    cache = _use(settings, "redis://127.0.0.1:6379/0")
    cache.set("page", b"body", 30)
    try:
        assert cache.get("page") == b"body"
        assert not cache.circuit.is_open()
    finally:
        cache.delete("page")


def test_it_bounds_redis_socket_waits():
    cache = ResilientRedisCache(
        "redis://127.0.0.1:6379/0", {"OPTIONS": {"timeout_ms": 80, "retry_seconds": 5}}
    )
    options = cache._cache._pool_options
    assert options["socket_timeout"] == pytest.approx(0.08)
    assert options["socket_connect_timeout"] == pytest.approx(0.08)
    assert cache.circuit.retry_after == 5
