"""`manage.py serve` is the production server: it refuses DEBUG and runs granian, which reads
each request before a worker thread sees it (tests/perf/slow_clients.py measures why)."""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from programmes.management.commands.serve import (
    HEADER_READ_TIMEOUT_MS,
    RESPAWN,
    WORKERS_KILL_TIMEOUT,
    granian_argv,
)

ROOT = Path(__file__).resolve().parents[1]


def test_it_refuses_to_serve_with_debug_on():
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": "sqlite:////nonexistent/never-made.db"}
    result = subprocess.run(
        [sys.executable, "manage.py", "serve", "--port", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "unset DEBUG" in result.stderr
    assert "Serving" not in result.stdout


def test_it_serves_wsgi_with_granian_and_a_header_deadline():
    argv = granian_argv("/venv/bin/granian", "127.0.0.1", "8000", "2", ROOT)
    assert argv[0] == "/venv/bin/granian"
    assert argv[argv.index("--interface") + 1] == "wsgi"
    assert argv[argv.index("--workers") + 1] == "2"
    assert argv[argv.index("--http1-header-read-timeout") + 1] == str(HEADER_READ_TIMEOUT_MS)
    assert "--respawn-failed-workers" in argv
    assert argv[argv.index("--workers-kill-timeout") + 1] == str(WORKERS_KILL_TIMEOUT)
    assert argv[-1] == "catalogue.wsgi:application"


def test_the_installed_granian_replaces_a_worker_that_dies():
    granian = Path(sys.executable).with_name("granian")
    usage = subprocess.run([granian, "--help"], capture_output=True, text=True, timeout=60).stdout
    assert RESPAWN in usage and "--workers-kill-timeout" in usage


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_served_on_a_port_of_its_own_every_absolute_url_names_that_port(tmp_path):
    """`PORT=<n> manage.py serve` without SITE_URL: next links, record URLs, JSON-LD ids, the
    sitemap name http://127.0.0.1:<n>, and each absolute URL of the home page answers."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "DEBUG", "CATALOGUE_ENV")}
    env.update(
        PORT=str(port),
        DATABASE_URL=f"sqlite:///{tmp_path / 'served.sqlite3'}",
        DOWNLOADS_DIR=str(tmp_path / "downloads"),
        WEB_CONCURRENCY="1",
        CACHE_URL="",
    )
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    site = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                home = urllib.request.urlopen(f"{site}/", timeout=5).read().decode()
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "the server did not answer in 90 s"
                time.sleep(0.5)
        urls = set(re.findall(r'(?:href|content)="(https?://[^"#]+)', home))
        urls |= set(re.findall(r'"@id": "(https?://[^"#]+)', home))
        sitemap = urllib.request.urlopen(f"{site}/sitemap.xml", timeout=10).read().decode()
        locations = re.findall(r"<loc>([^<]+)</loc>", sitemap)
        assert urls and locations
        for url in urls | set(locations):
            assert url.startswith(f"{site}/"), url
        for url in sorted(urls)[:40]:
            assert urllib.request.urlopen(url, timeout=10).status == 200, url
    finally:
        server.terminate()
        server.wait(timeout=20)


def _server_env(tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "DEBUG", "CATALOGUE_ENV")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'served.sqlite3'}",
        DOWNLOADS_DIR=str(tmp_path / "downloads"),
        CACHE_URL="",
        **extra,
    )
    return env


@pytest.mark.parametrize("command", ["migrate", "serve"])
def test_a_damaged_sqlite_file_ends_the_command_in_one_line_naming_it(tmp_path, command):
    damaged = tmp_path / "served.sqlite3"
    garbage = b"\x00not a database\xff" * 512
    damaged.write_bytes(garbage)
    argv = [sys.executable, "manage.py", command]
    if command == "serve":
        argv += ["--port", str(_free_port())]
    result = subprocess.run(
        argv, cwd=ROOT, env=_server_env(tmp_path), capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert str(damaged) in line
    assert "delete it" in line and f"manage.py {command}" in line
    assert "Serving" not in result.stdout
    assert damaged.read_bytes() == garbage  # left for its owner to look at


def _workers(pid):
    """The worker processes of the granian server `pid`: its children, whichever of its
    threads started them."""
    return {
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        if (task / "children").exists()
        for child in (task / "children").read_text().split()
    }


def _wait_until(condition, server, failure, seconds=60):
    deadline = time.monotonic() + seconds
    while not condition():
        assert server.poll() is None, "the server stopped"
        assert time.monotonic() < deadline, failure
        time.sleep(0.05)


def test_a_worker_killed_under_load_is_replaced_and_the_server_keeps_answering(tmp_path):
    """`kill -9` of one of two workers while clients read: the other answers meanwhile, a new
    worker takes the dead one's place, and only requests in flight at the kill fail (the dead
    worker's connections: each client's, and one it had accepted next)."""
    port = _free_port()
    log = (tmp_path / "server.log").open("w")  # a pipe nobody reads would fill and stop it
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve"],
        cwd=ROOT,
        env=_server_env(tmp_path, PORT=str(port), WEB_CONCURRENCY="2"),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its workers with it, should it have to be killed
    )
    url = f"http://127.0.0.1:{port}/cities/"
    failures, answers, stop = [], [], threading.Event()

    def read_pages():
        while not stop.is_set():
            try:
                answers.append(urllib.request.urlopen(url, timeout=10).status)
            except OSError as exc:
                failures.append((time.monotonic(), exc))

    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(url, timeout=5).read()
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "server.log").read_text()
                assert time.monotonic() < deadline, "the server did not answer in 90 s"
                time.sleep(0.5)
        _wait_until(lambda: len(_workers(server.pid)) == 2, server, "not two workers")
        workers = _workers(server.pid)
        clients = [threading.Thread(target=read_pages) for _ in range(2)]
        for client in clients:
            client.start()
        _wait_until(lambda: len(answers) >= 20, server, "no answers under load")
        killed = min(workers)
        os.kill(killed, signal.SIGKILL)
        killed_at, answered_before = time.monotonic(), len(answers)
        _wait_until(
            lambda: len(_workers(server.pid) - {killed}) == 2,
            server,
            "no worker took the dead one's place",
        )
        log_text = (tmp_path / "server.log").read_text
        _wait_until(
            lambda: log_text().count("Started worker-") == 3, server, "no new worker started"
        )
        served = len(answers)
        _wait_until(lambda: len(answers) >= served + 20, server, "no answers after the respawn")
        stop.set()
        for client in clients:
            client.join(20)
        assert len(answers) > answered_before
        assert set(answers) == {200}
        assert all(at - killed_at < 1 for at, _ in failures), failures  # none after the kill
        assert len(failures) <= 2 * len(clients), failures
        assert urllib.request.urlopen(url, timeout=10).status == 200
    finally:
        stop.set()
        server.terminate()
        try:
            server.wait(timeout=WORKERS_KILL_TIMEOUT + 15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
            raise
        finally:
            log.close()
