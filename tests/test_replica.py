"""The distributed path, for real: a primary and a streaming replica made on this machine.

The test makes a PostgreSQL cluster of its own on a free port, a hot-standby replica of it with
pg_basebackup, loads the catalogue on the primary, and serves pages from a Django process whose
`DATABASE_REPLICA_URLS` names the replica. It shows that pages are read from the replica, and that
a reload on the primary reaches the pages only once the replica has replayed it: while replay is
paused the pages keep the old catalogue whole (version and values), afterwards the new one whole,
whether they are built or served from the page cache under the version read from the replica.
Needs PostgreSQL's server programs (Debian: postgresql); runs with the PostgreSQL suite.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
PROJECT = "/projects/jica-environmental-monitoring-equipment"


def _pg_bin():
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not versions:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl, pg_basebackup) are not here")
    return versions[-1].parent


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*command):
    """PostgreSQL refuses to run as root: run its programs as the postgres user when root."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    return subprocess.run([*prefix, *map(str, command)], check=True, capture_output=True, text=True)


def _psql(port, sql, db="postgres"):
    return _as_postgres(
        _pg_bin() / "psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", db, "-Atc", sql
    ).stdout.strip()


@pytest.fixture(scope="module")
def clusters():
    bin_ = _pg_bin()
    # Not under pytest's own temporary folder: the postgres user cannot enter root's.
    folder = Path(tempfile.mkdtemp(prefix="catalogue-replication-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    primary, replica = folder / "primary", folder / "replica"
    ports = str(_free_port()), str(_free_port())
    started = []
    try:
        _as_postgres(bin_ / "initdb", "-D", primary, "-A", "trust", "-U", "postgres", "--no-sync")
        for data, port in ((primary, ports[0]), (replica, ports[1])):
            if data == replica:
                _as_postgres(
                    bin_ / "pg_basebackup", "-h", "127.0.0.1", "-p", ports[0], "-U", "postgres",
                    "-D", replica, "-R", "-X", "stream", "--no-sync",
                )  # fmt: skip
            options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
            _as_postgres(
                bin_ / "pg_ctl", "-D", data, "-o", options, "-l", folder / f"{data.name}.log",
                "-w", "start",
            )  # fmt: skip
            started.append(data)
        assert _psql(ports[1], "select pg_is_in_recovery()") == "t"
        _psql(ports[0], "create database catalogue")
        yield ports
    finally:
        for data in reversed(started):
            _as_postgres(bin_ / "pg_ctl", "-D", data, "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)


def _env(ports, cache_pages="0"):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CACHE_"))}
    env.update(
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{ports[0]}/catalogue",
        DATABASE_REPLICA_URLS=f"postgres://postgres@127.0.0.1:{ports[1]}/catalogue",
        CACHE_PAGES=cache_pages,
        CACHE_FACETS="0",
    )
    return env


# Pages as a visitor gets them, from a Django process that reads from the replica.
CLIENT = textwrap.dedent(
    """
    import json, sys
    import django
    django.setup()
    from django.db import connections
    from django.test import Client
    answers = []
    for url in sys.argv[1:]:
        response = Client(SERVER_NAME="localhost").get(url)
        answers.append({"url": url, "status": response.status_code,
                        "etag": response.get("ETag"), "body": response.content.decode()})
    replica = connections["replica_1"]
    with replica.cursor() as cursor:
        cursor.execute("select pg_is_in_recovery()")
        in_recovery = cursor.fetchone()[0]
    print(json.dumps({"answers": answers, "replica_in_recovery": in_recovery}))
    """
)


def _get(ports, *urls, cache_pages="0"):
    result = subprocess.run(
        [sys.executable, "-c", CLIENT, *urls],
        cwd=ROOT,
        env={**_env(ports, cache_pages), "DJANGO_SETTINGS_MODULE": "catalogue.settings"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _manage(ports, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=_env(ports), check=True,
        capture_output=True, text=True,
    )  # fmt: skip


def _replayed(ports):
    lsn = _psql(ports[0], "select pg_current_wal_lsn()")
    for _ in range(200):
        caught_up = _psql(ports[1], f"select pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn")
        if caught_up == "t":
            return
        time.sleep(0.05)
    raise AssertionError("the replica did not replay the primary's writes within 10 s")


def _amount(answer):
    return json.loads(answer["body"])["amount"]


def _cached_twice(ports, url):
    """`url` built, then served from the page cache (its version read on its own), by one
    process: both answers must be the same."""
    built, cached = _get(ports, url, url, cache_pages="1")["answers"]
    assert cached == built
    return cached


def test_pages_are_read_from_the_replica_and_a_reload_reaches_them_whole(clusters, tmp_path):
    ports = clusters
    _manage(ports, "migrate", "-v0")
    _manage(ports, "load_catalogue", "-v0")
    _manage(ports, "collectstatic", "--noinput", "-v0")  # the pages name hashed static files
    _replayed(ports)
    # Rows written on the primary only: a page that shows them was read from the replica.
    first = _get(ports, f"{PROJECT}.json", "/cities/dalian/")
    assert first["replica_in_recovery"] is True
    assert [a["status"] for a in first["answers"]] == [200, 200]
    before = _amount(first["answers"][0])

    # A reload on the primary while the replica's replay is paused: a changed catalogue (every
    # amount ×1000) loaded from a dump that claims no version, so it gets one of its own.
    dump = tmp_path / "catalogue.json"
    _manage(ports, "dump_catalogue", "--output", str(dump))
    data = json.loads(dump.read_text())
    for row in data["funded_projects"]:
        if row.get("amount"):
            row["amount"] = str(int(float(row["amount"])) * 1000) + ".00"
    data["catalogue_version"] = None
    dump.write_text(json.dumps(data))
    _psql(ports[1], "select pg_wal_replay_pause()")
    try:
        _manage(ports, "load_dump", str(dump))
        during = _get(ports, f"{PROJECT}.json")["answers"][0]
        # The replica has not seen the reload: the old catalogue, version and values alike.
        assert (during["etag"], _amount(during)) == (first["answers"][0]["etag"], before)
        assert _cached_twice(ports, f"{PROJECT}.json") == during
    finally:
        _psql(ports[1], "select pg_wal_replay_resume()")
    _replayed(ports)
    after = _get(ports, f"{PROJECT}.json")["answers"][0]
    assert after["etag"] != during["etag"]
    assert float(_amount(after)) == float(before) * 1000
    assert _cached_twice(ports, f"{PROJECT}.json") == after
