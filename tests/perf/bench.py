"""Benchmark: each page type under gunicorn and wrk, cold and warm, against a bare-view ceiling.

    .venv/bin/python tests/perf/bench.py [--duration 10] [--connections 8]
    .venv/bin/python tests/perf/bench.py --synthetic postgres://postgres@127.0.0.1:5432/NAME

Needs wrk (Debian: apt-get install -y wrk). Loads the real catalogue into a temporary SQLite
database (timing load_catalogue), serves it with gunicorn (2 workers) on a free loopback port with
BENCH_CEILING=1, and drives each page with wrk after a short warm-up that lets every worker serve
it once: with the page cache off (cold: rendered for every request; facet counts from the facet
cache, and once more without it) and on (warm), each next to the bare view returning a body of the
page's size through the same server and middleware. --synthetic DATABASE_URL instead measures a
database filled by `manage.py synthesize` with one client (p95 of the filtered list, with and
without the facet cache) and counts each page's queries there and on the real catalogue. Not part
of the test suite (pytest collects only test_*.py).
"""

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95),
    e.status + e.connect + e.read + e.write + e.timeout))
end
"""
PAGES = [
    ("home", "/"),
    ("city page", "/cities/dalian/"),
    ("filtered projects + facets", "/projects/?sector=14022"),
    ("source reader", None),
    ("search", "/search/?q=sewage"),
    ("JSON list", "/projects.json"),
]
COUNT_QUERIES = """
import json, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from programmes.models import Source
out = {}
client = Client()
for url in json.loads(%r):
    url = url or Source.objects.first().get_absolute_url()
    with CaptureQueriesContext(connection) as q:
        status = client.get(url, headers={"host": "127.0.0.1"}).status_code
    out[url] = [status, len(q)]
print(json.dumps(out))
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env, *args):
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)


def python(env, code):
    return subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


class Server:
    def __init__(self, env):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        gunicorn = Path(PYTHON).with_name("gunicorn")
        self.process = subprocess.Popen(
            [gunicorn, "catalogue.wsgi:application", "--workers", "2", "--bind",
             f"127.0.0.1:{self.port}", "--log-level", "warning"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        for _ in range(100):
            try:
                # Ready when it answers; not the home page, which may be slow on a large catalogue.
                urllib.request.urlopen(self.base + "/_bench/ceiling/1/", timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not start")

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


def wrk(url, duration, connections, script):
    threads = str(min(connections, 2))
    out = subprocess.run(
        ["wrk", "-t", threads, "-c", str(connections), "-d", f"{duration}s", "--timeout", "30s",
         "-s", script, url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("BENCH "))
    requests, micros, p50, p95, errors = map(int, line.split()[1:])
    return {"rps": requests / (micros / 1e6), "p50": p50 / 1000, "p95": p95 / 1000, "err": errors}


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


def measure(env, pages, args, script, label):
    server = Server(env)
    rows = []
    try:
        for name, path in pages:
            size = len(fetch(server.base + path))
            ceiling_url = f"{server.base}/_bench/ceiling/{size}/"
            # Every worker keeps its own local-memory cache and compiles its templates on first
            # use: let each serve both URLs before measuring, so that a run does not count one
            # worker's first render (seconds for a large page on a busy machine) against a page.
            for url in (server.base + path, ceiling_url):
                wrk(url, args.warmup, max(args.connections, 4), script)
            page = wrk(server.base + path, args.duration, args.connections, script)
            ceiling = wrk(ceiling_url, args.duration, args.connections, script)
            rows.append((label, name, path, size, page, ceiling))
            errors = f", {page['err']} errors" if page["err"] else ""
            print(
                f"{label:5} {name:28} {page['rps']:8.0f} req/s  p50 {page['p50']:6.1f} ms  "
                f"p95 {page['p95']:6.1f} ms  | ceiling {ceiling['rps']:6.0f} req/s  "
                f"ratio {page['rps'] / ceiling['rps']:5.0%}  ({size} B"
                f"{errors})",
                flush=True,
            )
    finally:
        server.stop()
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument(
        "--warmup", type=int, default=3, help="seconds of load before each measured run"
    )
    parser.add_argument("--synthetic", metavar="DATABASE_URL", help="a synthesized database")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk (Debian/Ubuntu)")

    tmp = Path(tempfile.mkdtemp(prefix="catalogue-bench-"))
    script = tmp / "report.lua"
    script.write_text(LUA)
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp}/catalogue.sqlite3",
        "BENCH_CEILING": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "catalogue.settings",
    }
    manage(env, "migrate", "--verbosity", "0")
    took = python(
        env,
        "import time, django; django.setup(); from django.conf import settings; "
        "from programmes.loading.loader import load_catalogue; t = time.perf_counter(); "
        "load_catalogue(settings.FIXTURES_DIR); print(f'{time.perf_counter() - t:.2f}')",
    )
    print(f"load_catalogue: {took.strip()} s", flush=True)
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    slug = python(env, "import django; django.setup(); from programmes.models import Source; "
                  "print(Source.objects.first().slug)").strip()  # fmt: skip
    pages = [(name, path or f"/sources/{slug}/") for name, path in PAGES]

    if args.synthetic:
        real = python(env, COUNT_QUERIES % json_urls(pages))
        synthetic_env = {**env, "DATABASE_URL": args.synthetic}
        synthetic = python(synthetic_env, COUNT_QUERIES % json_urls(pages[2:3] + pages[5:]))
        print(f"queries on the real catalogue: {real.strip()}")
        print(f"queries on the synthetic one:  {synthetic.strip()}")
        single = argparse.Namespace(duration=args.duration, connections=1, warmup=args.warmup)
        measure({**synthetic_env, "CACHE_PAGES": "0"}, pages[2:3], single, script, "1-cl")
        # The same without the facet cache: every request counts every facet anew.
        uncached = {**synthetic_env, "CACHE_PAGES": "0", "CACHE_FACETS": "0"}
        measure(uncached, pages[2:3], single, script, "1-cl, facets uncached")
        return
    print(f"gunicorn 2 workers, wrk {args.connections} connections, {args.duration} s per run")
    measure({**env, "CACHE_PAGES": "0"}, pages, args, script, "cold")
    measure(
        {**env, "CACHE_PAGES": "0", "CACHE_FACETS": "0"},
        pages[2:3],
        args,
        script,
        "cold, facets uncached",
    )
    measure({**env, "CACHE_PAGES": "1"}, pages, args, script, "warm")
    shutil.rmtree(tmp, ignore_errors=True)


def json_urls(pages):
    import json

    return json.dumps([path for _, path in pages])


if __name__ == "__main__":
    main()
