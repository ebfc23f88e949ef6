"""Scaling settings: caches and read replicas from the environment, and the replica router."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import transaction

from catalogue import routers
from catalogue.routers import ReplicaRouter
from programmes.models import City

# A key as `secrets.token_urlsafe(50)` makes one: long, and of many distinct characters.
STRONG_KEY = "Jq3-vX9_bT2kLw7pZr5sYc8dNf4gHm6Ea1uKo0iWxQyRzS" * 2

PG = "postgres://postgres@127.0.0.1:5432/catalogue"
PRINT_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'databases': sorted(s.DATABASES), "
    "'routers': s.DATABASE_ROUTERS, 'cache': s.CACHES['default']['BACKEND'], "
    "'location': s.CACHES['default'].get('LOCATION'), 'max_age': s.CACHE_MAX_AGE, "
    "'pages': s.CACHE_PAGES, 'mirror': [s.DATABASES[a]['TEST'].get('MIRROR') "
    "for a in sorted(s.DATABASES) if a != 'default']}))"
)


def settings_with(**env):
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CACHE_URL")}
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        env={**clean, "DJANGO_SETTINGS_MODULE": "catalogue.settings", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_uses_local_memory_and_caches_pages_by_default():
    result = settings_with()
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert parsed["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert parsed["max_age"] == 300 and parsed["pages"] is True
    assert parsed["databases"] == ["default"] and parsed["routers"] == []


def test_it_shares_the_cache_through_redis_when_cache_url_names_it():
    result = settings_with(
        CACHE_URL="redis://127.0.0.1:6379/0", CACHE_MAX_AGE="60", CACHE_PAGES="0"
    )
    parsed = json.loads(result.stdout)
    assert parsed["cache"] == "programmes.redis_cache.ResilientRedisCache"
    assert parsed["location"] == "redis://127.0.0.1:6379/0"
    assert parsed["max_age"] == 60 and parsed["pages"] is False


def test_it_adds_one_database_per_replica_url_and_routes_reads_to_them():
    result = settings_with(
        DATABASE_URL=PG, DATABASE_REPLICA_URLS=f"{PG}_r1, postgres://u@replica2:5433/catalogue"
    )
    assert result.returncode == 0, result.stderr
    parsed = json.loads(result.stdout)
    assert parsed["databases"] == ["default", "replica_1", "replica_2"]
    assert parsed["routers"] == ["catalogue.routers.ReplicaRouter"]
    # Tests see the replicas as the primary itself.
    assert parsed["mirror"] == ["default", "default"]


@pytest.mark.parametrize(
    "env, variable",
    [
        ({"CACHE_URL": "memcached://127.0.0.1:11211"}, "CACHE_URL"),
        ({"CACHE_MAX_AGE": "five minutes"}, "CACHE_MAX_AGE"),
        ({"CACHE_MAX_AGE": "-1"}, "CACHE_MAX_AGE"),
        ({"CACHE_PAGES": "maybe"}, "CACHE_PAGES"),
        ({"DATABASE_REPLICA_URLS": PG}, "DATABASE_REPLICA_URLS"),
        ({"DATABASE_URL": PG, "DATABASE_REPLICA_URLS": "sqlite:////tmp/r.db"}, "REPLICA_URLS"),
        ({"DATABASE_URL": PG, "DATABASE_REPLICA_URLS": "mysql://h/db"}, "DATABASE_REPLICA_URLS"),
        ({"DATABASE_URL": PG, "DATABASE_REPLICA_URLS": " , "}, "DATABASE_REPLICA_URLS"),
    ],
)
def test_it_refuses_unusable_values_naming_the_variable(env, variable):
    result = settings_with(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.strip().splitlines()[-1]


@pytest.fixture
def router(monkeypatch):
    monkeypatch.setattr(routers, "replica_aliases", lambda: ["replica_1", "replica_2"])
    yield ReplicaRouter()
    routers.forget_replica()


def test_the_router_sends_a_requests_reads_to_one_replica_and_writes_to_the_primary(router):
    routers.pick_replica()
    reads = {router.db_for_read(City) for _ in range(50)}
    assert len(reads) == 1 and reads < {"replica_1", "replica_2"}
    assert router.db_for_write(City) == "default"


def test_the_router_spreads_requests_over_the_replicas(router):
    chosen = set()
    for _ in range(100):
        routers.pick_replica()
        chosen.add(router.db_for_read(City))
        routers.forget_replica()
    assert chosen == {"replica_1", "replica_2"}


def test_the_router_reads_from_the_primary_outside_requests(router):
    assert router.db_for_read(City) == "default"


@pytest.mark.django_db
def test_the_router_reads_from_the_primary_inside_a_transaction(router):
    routers.pick_replica()
    with transaction.atomic():
        assert router.db_for_read(City) == "default"


@pytest.mark.parametrize(
    "signal, uid",
    [(request_started, "pick_replica"), (request_finished, "forget_replica")],
)
def test_the_router_picks_its_replica_when_a_request_starts(signal, uid):
    assert f"catalogue.routers.{uid}" in {key[0] for key, *_ in signal.receivers}


def test_the_router_migrates_only_the_primary(router):
    assert router.allow_migrate("default", "programmes")
    assert not router.allow_migrate("replica_1", "programmes")
