"""Slow and idle clients against the production server: can they starve a normal visitor?

    .venv/bin/python tests/perf/slow_clients.py [--duration 10] [--hostile 200]
    .venv/bin/python tests/perf/slow_clients.py --servers granian,gunicorn-sync,gunicorn-gthread

Needs wrk (Debian: apt-get install -y wrk). Prepares a temporary SQLite catalogue with production
settings, then for each server design: a normal client (wrk, 2 threads, 8 connections, a warm
page) is measured alone, then again while `--hostile` connections are held open, half of them
sending nothing after connecting and half trickling a request's header one byte every half
second. Reports each design's throughput and p99 in both runs and the ratio between them; the
designs are measured one after the other in the same run, so the ratios compare alike. `granian`
is what `manage.py serve` runs; the others are there to compare against.

    .venv/bin/python tests/perf/slow_clients.py --slow-csv 12 \
        --database-url postgres://postgres@127.0.0.1:5432/NAME      # filled by `synthesize`

With `--slow-csv N`: the catalogue of `--database-url` is served by granian with the page cache
off, and four clients ask for uncached pages (lists, one page after another) alone, then beside
N clients reading `/projects.csv?sort=title` at 50 bytes a second (a 4 KB receive buffer each).
Reports how those pages were answered (statuses, median and p99 time) in both runs, and, on
PostgreSQL, the server's connections by state while the slow readers read. Not part of the
test suite (pytest collects only test_*.py).
"""

import argparse
import asyncio
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import free_port, production_env, stop_server, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PAGE = "/cities/dalian/"


def server_command(design, port, workers):
    """How each design is started (`granian` mirrors manage.py serve)."""
    bind = ["--bind", f"127.0.0.1:{port}"]
    if design == "granian":
        from programmes.management.commands.serve import granian_argv

        return granian_argv(str(BIN / "granian"), "127.0.0.1", str(port), str(workers), ROOT)
    if design == "gunicorn-sync":
        return [str(BIN / "gunicorn"), "catalogue.wsgi:application", *bind, "-w", str(workers)]
    if design == "gunicorn-gthread":
        return [
            str(BIN / "gunicorn"), "catalogue.wsgi:application", *bind, "-w", str(workers),
            "-k", "gthread", "--threads", "8", "--timeout", "30",
        ]  # fmt: skip
    raise SystemExit(f"unknown server design {design!r}")


def start(command, env, log):
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    base = f"http://{command_host_port(command)}"
    wait_until_serving(process, base + PAGE, log, seconds=30)
    return process, base


def command_host_port(command):
    joined = " ".join(command)
    match = re.search(r"127\.0\.0\.1:(\d+)", joined) or re.search(r"--port (\d+)", joined)
    return f"127.0.0.1:{match.group(1)}"


stop = stop_server


class Hostile:
    """`count` connections held open in a background event loop: half idle, half trickling."""

    def __init__(self, port, count):
        self.port, self.count = port, count
        self.opened = 0
        self.loop = asyncio.new_event_loop()
        self.stopping = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 10
        while self.opened < self.count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.loop.call_soon_threadsafe(self.stopping.set)
        self.thread.join(10)

    def _run(self):
        asyncio.set_event_loop(self.loop)
        self.stopping = asyncio.Event()
        self.loop.run_until_complete(self._all())

    async def _all(self):
        await asyncio.gather(*(self._one(n % 2 == 1) for n in range(self.count)))

    async def _one(self, trickle):
        header = f"GET {PAGE} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".encode()
        while not self.stopping.is_set():
            try:
                _reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.2)
                continue
            self.opened += 1
            try:
                for n in range(10**6):
                    if self.stopping.is_set():
                        break
                    if trickle:
                        writer.write(header[n : n + 1] if n < len(header) else b"a")
                        await writer.drain()
                    await asyncio.sleep(0.5)
            except OSError:
                pass  # the server hung up: connect again, as an attacker would
            finally:
                writer.close()


def wrk(base, duration, page=PAGE):
    command = ["wrk", "-t2", "-c8", f"-d{duration}s", "--timeout", "10s", "--latency", base + page]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
    errors = re.search(r"Socket errors: (.*)", out)
    timeouts = int(re.search(r"timeout (\d+)", errors.group(1)).group(1)) if errors else 0
    return rate, float(p99.group(1)) * scale, timeouts


CSV = "/projects.csv?sort=title"
UNCACHED = ["/projects/?page={n}", "/milestones/?page={n}", "/programmes/?sort=name"]


class SlowReaders:
    """`count` clients each reading CSV at 50 bytes a second through a 4 KB receive buffer."""

    def __init__(self, port, count):
        self.port, self.count = port, count
        self.started = 0
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._read, daemon=True) for _ in range(count)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        deadline = time.monotonic() + 30
        while self.started < self.count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(5)

    def _read(self):
        import socket

        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect(("127.0.0.1", self.port))
            sock.sendall(f"GET {CSV} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            sock.recv(50)  # the answer has begun
            self.started += 1
            while not self.stopping.wait(1):
                if not sock.recv(50):
                    return


def uncached_pages(base, seconds, clients=4):
    """Statuses and times of uncached pages asked for by `clients` for `seconds`."""
    import collections
    import statistics
    import urllib.error
    import urllib.request

    statuses, times = collections.Counter(), []
    stop_at = time.monotonic() + seconds

    def client(c):
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            url = base + UNCACHED[n % len(UNCACHED)].format(n=1 + (n * 7 + c) % 40)
            began = time.monotonic()
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    response.read()
                    statuses[response.status] += 1
            except urllib.error.HTTPError as exc:
                statuses[exc.code] += 1
            except OSError as exc:
                statuses[type(exc).__name__] += 1
            times.append(time.monotonic() - began)

    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times.sort()
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return statuses, statistics.median(times), p99


def connection_states(database_url):
    """PostgreSQL's connections to the database, by state."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres") as conn:
        rows = conn.execute(
            "SELECT coalesce(state, '?'), count(*) FROM pg_stat_activity WHERE datname = %s "
            "AND pid <> pg_backend_pid() GROUP BY 1 ORDER BY 1",
            [name],
        ).fetchall()
    return ", ".join(f"{state}: {n}" for state, n in rows) or "none"


def slow_csv(args):
    env = production_env(args.database_url, CACHE_PAGES="0", CACHE_FACETS="0")
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT,
                   env=env, check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="catalogue-slow-csv-"))
    with open(tmp / "granian.log", "w") as log:
        command = server_command("granian", port, args.workers)
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(process, base + "/", log, seconds=60)
            print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}, load average "
                  f"{os.getloadavg()[0]:.1f}; {args.database_url}; page cache off; "
                  f"{args.workers} workers; 4 clients on uncached pages, "
                  f"{args.duration} s")  # fmt: skip
            uncached_pages(base, 2)  # every worker's connections and templates
            runs = [("alone", uncached_pages(base, args.duration), "")]
            with SlowReaders(port, args.slow_csv) as readers:
                time.sleep(2)
                states = ""
                if args.database_url.startswith("postgres"):
                    states = connection_states(args.database_url)
                beside = uncached_pages(base, args.duration)
                runs.append((f"beside {readers.started} slow CSV readers", beside, states))
        finally:
            stop(process)
    failed = False
    for name, (statuses, median, p99), states in runs:
        answered = ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=str))
        print(f"{name:28} {answered:24} median {median * 1000:6.0f} ms, p99 {p99 * 1000:6.0f} ms"
              + (f"; PostgreSQL connections {states}" if states else ""))  # fmt: skip
        failed |= set(statuses) != {200}
    if failed:
        raise SystemExit("some uncached pages were not answered 200")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--hostile", type=int, default=200, help="slow connections held open")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--servers", default="granian,gunicorn-gthread,gunicorn-sync")
    parser.add_argument("--slow-csv", type=int, default=0, help="slow CSV readers instead")
    parser.add_argument("--database-url", help="with --slow-csv: the catalogue served")
    args = parser.parse_args()
    if args.slow_csv:
        if not args.database_url:
            raise SystemExit("--slow-csv needs --database-url (a catalogue filled by synthesize)")
        return slow_csv(args)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk (Debian/Ubuntu)")

    tmp = Path(tempfile.mkdtemp(prefix="catalogue-slow-"))
    env = production_env(f"sqlite:///{tmp}/catalogue.sqlite3")
    for step in (["migrate", "-v0"], ["load_catalogue", "-v0"], ["collectstatic", "--noinput"]):
        subprocess.run([sys.executable, "manage.py", *step], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip

    print(f"load average {os.getloadavg()[0]:.1f}; {args.hostile} hostile connections; "
          f"normal client: wrk 2 threads, 8 connections, {args.duration} s on {PAGE}")  # fmt: skip
    print(f"{'server':18} {'alone req/s':>11} {'p99 ms':>8} {'hostile req/s':>13} "
          f"{'p99 ms':>8} {'ratio':>6} {'timeouts':>8}")  # fmt: skip
    failed = False
    for design in args.servers.split(","):
        port = free_port()
        with open(tmp / f"{design}.log", "w") as log:
            process, base = start(server_command(design, port, args.workers), env, log)
            try:
                wrk(base, 2)  # warm every worker's page cache and connections
                alone = wrk(base, args.duration)
                with Hostile(port, args.hostile):
                    under = wrk(base, args.duration)
            finally:
                stop(process)
        ratio = under[0] / alone[0]
        ok = under[1] < 1000 and ratio >= 0.8 and not under[2]
        failed |= design == "granian" and not ok
        verdict = "" if ok else "  (fails p99 < 1 s, ratio >= 80%)"
        print(f"{design:18} {alone[0]:11.0f} {alone[1]:8.1f} {under[0]:13.0f} {under[1]:8.1f} "
              f"{ratio:6.0%} {under[2]:8d}{verdict}")  # fmt: skip
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
