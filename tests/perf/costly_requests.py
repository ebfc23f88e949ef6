"""Costly requests beside a normal client: does the normal client keep its throughput?

    .venv/bin/python manage.py synthesize --projects 20000 --database-url sqlite:////tmp/20k.sqlite3
    .venv/bin/python tests/perf/costly_requests.py sqlite:////tmp/20k.sqlite3 [--duration 10]

Needs wrk (Debian: apt-get install -y wrk). Serves the database given (a synthetic catalogue, where
a search has thousands of records to match) with `manage.py serve`'s granian and production
settings, page cache on. A normal client (wrk, 2 threads, 8 connections, a cached page) is
measured alone, then beside `--costly` clients each asking, one request after another, for a
search of as many words as `q` accepts, shuffled so that no two requests share a cached page (on
`/search/` and `/projects/` in turn). Prints the normal client's throughput and p99 in both runs,
their ratio, and how the costly requests were answered (status, median and slowest time); exits
non-zero when the ratio is under 50%. `--statement-timeout-ms` is the server's
DATABASE_STATEMENT_TIMEOUT_MS and `--searches-at-once` its SEARCHES_AT_ONCE (16 shows the server
without the bound). Not part of the test suite (pytest collects only test_*.py).
"""

import argparse
import collections
import contextlib
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench import free_port, production_env, stop_server, wait_until_serving
from slow_clients import wrk

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from programmes.lists.parameters import MAX_WORDS  # noqa: E402
from programmes.management.commands.serve import granian_argv  # noqa: E402

BIN = Path(sys.executable).parent
PAGE = "/"  # a synthetic catalogue has cities of its own
# Short, common words: each matches much of a synthetic catalogue.
WORDS = ("a", "e", "i", "o", "u", "s", "t", "r", "n", "l", "water", "city", "plant", "project")
COSTLY_PATHS = ("/search/", "/projects/")


class Costly:
    """`count` clients, each asking for a fresh costly search as soon as the last is answered."""

    def __init__(self, base, count):
        self.base, self.count = base, count
        self.stopping = threading.Event()
        self.answers = collections.Counter()
        self.times = []
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(count)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        time.sleep(1)  # every client has a request in flight
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(30)

    def _run(self, n):
        rng = random.Random(n)
        while not self.stopping.is_set():
            words = rng.sample(WORDS, MAX_WORDS)
            path = COSTLY_PATHS[len(self.times) % len(COSTLY_PATHS)]
            url = f"{self.base}{path}?{urllib.parse.urlencode({'q': ' '.join(words)})}"
            began = time.monotonic()
            try:
                with urllib.request.urlopen(url, timeout=60) as response:
                    response.read()
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError as exc:
                status = type(exc).__name__
            self.answers[status] += 1
            self.times.append(time.monotonic() - began)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database_url", help="a catalogue filled by manage.py synthesize")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--costly", type=int, default=16, help="costly clients")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--statement-timeout-ms", type=int, default=5000)
    parser.add_argument("--searches-at-once", type=int, default=1)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk (Debian/Ubuntu)")

    env = production_env(
        args.database_url,
        DATABASE_STATEMENT_TIMEOUT_MS=str(args.statement_timeout_ms),
        SEARCHES_AT_ONCE=str(args.searches_at_once),
    )
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT,
                   env=env, check=True)  # fmt: skip
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_fd, log_name = tempfile.mkstemp(prefix="catalogue-costly-", suffix=".log")
    log = os.fdopen(log_fd, "w")
    command = granian_argv(str(BIN / "granian"), "127.0.0.1", str(port), str(args.workers), ROOT)
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)  # fmt: skip
    try:
        wait_until_serving(process, base + PAGE, log, seconds=60)
        print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}, load average {os.getloadavg()[0]:.1f}; "
              f"{args.database_url}; statement timeout {args.statement_timeout_ms} ms; "
              f"{args.searches_at_once} search(es) at once; normal client: wrk 2 threads, "
              f"8 connections, {args.duration} s on {PAGE}")  # fmt: skip
        wrk(base, 2, PAGE)  # every worker has the page cached
        alone = wrk(base, args.duration, PAGE)
        with Costly(base, args.costly) as costly:
            beside = wrk(base, args.duration, PAGE)
    finally:
        with contextlib.suppress(ProcessLookupError):
            stop_server(process)
        log.close()
    ratio = beside[0] / alone[0]
    print(f"alone:  {alone[0]:8.0f} req/s, p99 {alone[1]:7.1f} ms, {alone[2]} timeouts")
    print(f"beside {args.costly} costly clients: {beside[0]:8.0f} req/s, p99 {beside[1]:7.1f} ms, "
          f"{beside[2]} timeouts; ratio {ratio:.0%}")  # fmt: skip
    answered = ", ".join(f"{status}: {n}" for status, n in sorted(costly.answers.items(), key=str))
    times = costly.times
    print(f"costly requests: {sum(costly.answers.values())} ({answered}); "
          f"median {statistics.median(times):.2f} s, slowest {max(times):.2f} s")  # fmt: skip
    print(f"server log: {log_name}")
    if ratio < 0.5:
        raise SystemExit(f"the normal client kept {ratio:.0%} of its throughput, under 50%")


if __name__ == "__main__":
    main()
