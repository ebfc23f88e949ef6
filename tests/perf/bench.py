"""Benchmark: each page under granian and wrk, against a bare Django view and against Datasette.

    .venv/bin/pip install -e ".[test,bench]"          # wrk: apt-get install -y wrk
    .venv/bin/python tests/perf/bench.py [--duration 8] [--connections 8]
    .venv/bin/python tests/perf/bench.py --synthetic sqlite:////path/100k.sqlite3
    .venv/bin/python tests/perf/bench.py --synthetic postgres://postgres@127.0.0.1:5432/NAME

Every figure is a ratio measured in the same run, so that the shared machine's load cancels out:

- the ceiling is `catalogue.ceiling`, a bare Django site (three standard middlewares, one view
  returning a body of the page's size, no database) served by granian with the same flags and
  workers as the catalogue (`manage.py serve`'s `granian_argv`, 2 workers);
- Datasette (`datasette serve`, its own uvicorn server) serves the same SQLite file; its table
  view with facets, its JSON and its row page stand beside the pages that do the same work.

Without --synthetic: the real catalogue is loaded into a temporary SQLite file (timing
load_catalogue); each page is measured cold (page cache off: rendered for every request, facet
counts from the cache), then warm (page cache on), each after a warm-up that lets every worker
serve it once. With --synthetic DATABASE_URL (a database filled by `manage.py synthesize`): every
list and every list with one filter, with the page and facet caches off (each request is a first
request), one client, p95; then the warm ratios, the CSV download and `/catalogue.json`, and the
query counts of each page there and on the real catalogue. Not part of the test suite.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from programmes.management.commands.serve import granian_argv  # noqa: E402

PYTHON = sys.executable
BIN = Path(PYTHON).parent
LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95),
    e.status + e.connect + e.read + e.write + e.timeout))
end
"""
# (name, catalogue path, Datasette path doing the same work or None)
PAGES = [
    ("home", "/", None),
    ("city page", "/cities/dalian/", "/catalogue/programmes_city/{city_pk}"),
    ("city list", "/cities/", "/catalogue/programmes_city?_facet=country"),
    (
        "filtered projects + facets",
        "/projects/?sector=14022",
        "/catalogue/programmes_fundedproject?sector_id=14022&_facet=sector_id&_facet=city_id"
        "&_facet=programme_id&_facet=instrument&_facet=status",
    ),
    ("source reader", "/sources/{source}/", None),
    ("search", "/search/?q=sewage", None),
    ("JSON list", "/projects.json", "/catalogue/programmes_fundedproject.json?_size=50"),
]
COUNT_QUERIES = """
import json, django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
out = {}
client = Client()
for url in json.loads(%r):
    with CaptureQueriesContext(connection) as q:
        response = client.get(url, headers={"host": "127.0.0.1"})
        b"".join(response.streaming_content) if response.streaming else response.content
    out[url] = [response.status_code, len(q)]
print(json.dumps(out))
"""
LISTS_AND_FILTERS = """
import json, django
django.setup()
from programmes.kinds import KINDS
from programmes.models import CatalogueVersion, ListSummary
version = CatalogueVersion.objects.latest()
urls = []
for kind in KINDS:
    base = kind.list_url()
    urls.append(base)
    facets = ListSummary.objects.get(version=version, kind=kind.key, param="").data["facets"]
    for facet in kind.facets:
        # Its most frequent value: the single filter that matches the most records.
        values = [str(row[facet.value]) for row in facets[facet.param] if row[facet.value]]
        if values:
            urls.append(f"{base}?{facet.param}={values[0]}")
# Record pages whose size grows with the catalogue: a source of a thousand passages, a city.
from programmes.models import City, Source
urls.append(Source.objects.order_by("pk").first().get_absolute_url())
urls.append(City.objects.order_by("pk").first().get_absolute_url())
print(json.dumps(urls))
"""


def production_env(database_url, **extra):
    """The environment of a production server on this machine: real settings, a random key,
    DEBUG off, the loopback address as its only host."""
    env = {
        **os.environ,
        "CATALOGUE_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": database_url,
        **extra,
    }
    env.pop("DEBUG", None)
    return env


def wait_until_serving(process, url, log, seconds=60):
    """Return once `url` answers; stop the server and exit if it dies or never answers."""
    import urllib.request

    for _ in range(int(seconds / 0.2)):
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode}; see {log.name}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    stop_server(process)
    raise SystemExit(f"the server did not start within {seconds} s")


def stop_server(process):
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


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
    """granian (the catalogue or the ceiling) or Datasette, on a free loopback port."""

    def __init__(self, env, target="catalogue.wsgi:application", datasette=None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        if datasette:
            argv = [str(BIN / "datasette"), "serve", datasette, "-p", str(self.port),
                    "--setting", "default_facet_size", "30", "--setting", "sql_time_limit_ms",
                    "30000", "--setting", "facet_time_limit_ms", "30000"]  # fmt: skip
            ready = "/-/versions.json"
        else:
            argv = granian_argv(
                str(BIN / "granian"), "127.0.0.1", str(self.port), "2", ROOT, target
            )
            ready = "/_bench/ceiling/1/" if target.startswith("catalogue.ceiling") else "/api/"
        self.process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + ready, timeout=30)
                return
            except OSError:
                time.sleep(0.2)
        raise SystemExit(f"{argv[0]} did not start")

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


def paired(url, other, args, script, rounds=3):
    """The two URLs in alternating slices of the run, so that a change in the shared machine's
    load falls on both: requests per second over all slices, the slices' median p50 and p95."""
    slices = {url: [], other: []}
    for _ in range(rounds):
        for u in (url, other):
            slices[u].append(wrk(u, max(1, args.duration // rounds), args.connections, script))

    def combined(results):
        middle = sorted(results, key=lambda r: r["p95"])[len(results) // 2]
        return {
            "rps": sum(r["rps"] for r in results) / len(results),
            "p50": sorted(r["p50"] for r in results)[len(results) // 2],
            "p95": middle["p95"],
            "err": sum(r["err"] for r in results),
        }

    return combined(slices[url]), combined(slices[other])


def fetch(url):
    with urllib.request.urlopen(url, timeout=120) as response:
        return response.read()


def row(label, name, result, other=None, other_name="ceiling"):
    if not result["rps"] or not result["p95"]:
        print(f"{label:6} {name:34} no answer completed within the run", flush=True)
        return
    errors = f", {result['err']} errors" if result["err"] else ""
    line = (
        f"{label:6} {name:34} {result['rps']:7.0f} req/s  p50 {result['p50']:7.1f} ms  "
        f"p95 {result['p95']:7.1f} ms"
    )
    if other:
        line += (
            f"  | {other_name} {other['rps']:6.0f} req/s  p95 {other['p95']:7.1f} ms  "
            f"ratio {result['rps'] / other['rps']:5.0%}"
        )
    print(line + errors, flush=True)


def measure(env, pages, args, script, label, ceiling, datasette=None):
    """Each page next to the ceiling (a body of the same size) and, where one does the same work,
    to Datasette; warm-ups first so no worker's first render counts against a page."""
    server = Server(env)
    results = []
    try:
        for name, path, ds_path in pages:
            size = len(fetch(server.base + path))
            ceiling_url = f"{ceiling.base}/_bench/ceiling/{size}/"
            for url in (server.base + path, ceiling_url):
                wrk(url, args.warmup, max(args.connections, 4), script)
            page, bare = paired(server.base + path, ceiling_url, args, script)
            row(label, f"{name} ({size // 1024} KB)", page, bare)
            results.append((name, page, bare))
            if datasette and ds_path:
                wrk(datasette.base + ds_path, args.warmup, args.connections, script)
                page, ds = paired(server.base + path, datasette.base + ds_path, args, script)
                row(label, f"{name}: vs Datasette", page, ds, "Datasette")
    finally:
        server.stop()
    return results


def first_requests(env, urls, args, script, downloads=True, label="first"):
    """Every URL with the page and facet caches off, one client: each request a first one.
    Returns URL -> (p50, p95) in ms."""
    server = Server({**env, "CACHE_PAGES": "0", "CACHE_FACETS": "0"})
    worst = 0
    p95 = {}
    try:
        for url in urls:
            try:
                fetch(server.base + url)  # each worker's templates compiled before measuring
            except urllib.error.HTTPError as exc:  # e.g. a 503 past the statement timeout
                print(f"{label:6} {url:34} answers {exc.code}: not measured", flush=True)
                continue
            result = wrk(server.base + url, args.first_duration, 1, script)
            worst = max(worst, result["p95"])
            p95[url] = (result["p50"], result["p95"])
            row(label, url, result)
        if not downloads:
            return p95
        # The first request for a list's whole CSV streams it and writes its file for this
        # version (unless a load already wrote it for this SITE_URL); the second reads the file.
        for attempt in ("first", "second"):
            started = time.perf_counter()
            body = fetch(server.base + "/projects.csv")
            took = time.perf_counter() - started
            print(f"/projects.csv ({attempt}): {body.count(b'synthetic-project-')} rows, "
                  f"{len(body) / 1e6:.1f} MB in {took:.2f} s", flush=True)  # fmt: skip
        for attempt in ("first", "second"):
            started = time.perf_counter()
            body = fetch(server.base + "/catalogue.json")
            took = time.perf_counter() - started
            print(f"/catalogue.json ({attempt}): {len(body) / 1e6:.1f} MB in {took:.2f} s")
    finally:
        server.stop()
        print(f"worst {label}-request p95: {worst:.1f} ms", flush=True)
    return p95


def list_key(url):
    """A list and the one filter it takes, whatever the value: `/projects/?sector`."""
    path, _, query = url.partition("?")
    return path + ("?" + query.partition("=")[0] if query else "")


def real_size_ratios(env, tmp, big, args, script):
    """The same lists (and the same one filter, at its most frequent value) on the real
    catalogue, measured in this run: each synthetic list's median and p95 as multiples of the
    real list's. With one client for a few seconds a list's p95 is its second or third slowest
    request, which the host's other work decides as much as the list; the median is the list's
    own."""
    real_env = {**env, "DATABASE_URL": f"sqlite:///{tmp / 'real.sqlite3'}"}
    manage(real_env, "migrate", "--verbosity", "0")
    manage(real_env, "load_catalogue", "--verbosity", "0")
    urls = json.loads(python({**real_env, "CACHE_FACETS": "0"}, LISTS_AND_FILTERS))
    real = first_requests(real_env, urls, args, script, downloads=False, label="real")
    by_key = {list_key(url): times for url, times in real.items()}
    worst = [0.0, 0.0]
    for url, times in big.items():
        base = by_key.get(list_key(url))
        if base:
            ratios = [ms / real_ms for ms, real_ms in zip(times, base, strict=True)]
            worst = [max(w, r) for w, r in zip(worst, ratios, strict=True)]
            print(
                f"ratio  {list_key(url):34} median x{ratios[0]:4.1f} ({times[0]:.1f} ms against"
                f" {base[0]:.1f} ms), p95 x{ratios[1]:4.1f} ({times[1]:.1f} ms against"
                f" {base[1]:.1f} ms)"
            )
    print(f"worst ratio to the real size: median x{worst[0]:.1f}, p95 x{worst[1]:.1f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=8, help="seconds per wrk run")
    parser.add_argument("--first-duration", type=int, default=4, help="seconds per first-request")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--warmup", type=int, default=3, help="seconds before each measured run")
    parser.add_argument("--synthetic", metavar="DATABASE_URL", help="a synthesized database")
    parser.add_argument("--skip-cold", action="store_true", help="only warm pages")
    parser.add_argument(
        "--skip-downloads", action="store_true", help="not the CSV and the whole download"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk (Debian/Ubuntu)")
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}, load average {os.getloadavg()}", flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="catalogue-bench-"))
    script = tmp / "report.lua"
    script.write_text(LUA)
    sqlite_file = tmp / "catalogue.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{sqlite_file}",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "catalogue.settings",
    }
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    if args.synthetic:
        env["DATABASE_URL"] = args.synthetic
        if args.synthetic.startswith("sqlite:"):
            sqlite_file = args.synthetic.removeprefix("sqlite://")
        else:
            sqlite_file = None
    else:
        manage(env, "migrate", "--verbosity", "0")
        took = python(
            env,
            "import time, django; django.setup(); from django.conf import settings; "
            "from programmes.loading.loader import load_catalogue; t = time.perf_counter(); "
            "load_catalogue(settings.FIXTURES_DIR); print(f'{time.perf_counter() - t:.2f}')",
        )
        print(f"load_catalogue: {took.strip()} s", flush=True)
    ids = json.loads(python(env, (
        "import json, django; django.setup(); from programmes.models import City, Source; "
        "c = City.objects.order_by('-pk').first() if City.objects.filter(slug='dalian').count() "
        "== 0 else City.objects.get(slug='dalian'); s = Source.objects.order_by('pk').first(); "
        "print(json.dumps({'city': c.slug, 'city_pk': c.pk, 'source': s.slug}))"
    )))  # fmt: skip
    pages = [
        (
            name,
            path.format(**ids).replace("/cities/dalian/", f"/cities/{ids['city']}/"),
            ds and ds.format(**ids),
        )
        for name, path, ds in PAGES
    ]
    ceiling = Server(
        {**env, "DJANGO_SETTINGS_MODULE": "catalogue.ceiling"}, "catalogue.ceiling:application"
    )
    datasette = None
    if sqlite_file and shutil.which(str(BIN / "datasette")):
        link = tmp / "catalogue.db"  # Datasette names the database after the file
        if not link.exists():
            link.symlink_to(sqlite_file)
        datasette = Server(env, datasette=str(link))
    try:
        runs = f"wrk {args.connections} connections, {args.duration} s per run"
        print(f"granian 2 workers for the catalogue and the ceiling; {runs}", flush=True)
        if args.synthetic:
            urls = json.loads(python({**env, "CACHE_FACETS": "0"}, LISTS_AND_FILTERS))
            # and the pages that are not lists: their first requests at this size too
            urls += [p for name, p, _ in pages if name in ("home", "city page", "source reader")]
            urls += [f"/sources/{ids['source']}/?page=2", "/search/?q=sewage"]
            big = first_requests(env, urls, args, script, downloads=not args.skip_downloads)
            real_size_ratios(env, tmp, big, args, script)
            counted = [p for _, p, _ in pages] + ["/projects.csv?sector=14022"]
            try:
                print("queries:", python(env, COUNT_QUERIES % json.dumps(counted)).strip())
            except subprocess.CalledProcessError as exc:  # a page over the statement timeout
                print("queries: not counted:", exc.stderr.strip().splitlines()[-1])
        elif not args.skip_cold:
            measure({**env, "CACHE_PAGES": "0"}, pages, args, script, "cold", ceiling, datasette)
        measure({**env, "CACHE_PAGES": "1"}, pages, args, script, "warm", ceiling)
    finally:
        ceiling.stop()
        if datasette:
            datasette.stop()
    print(f"done {time.strftime('%H:%M')}, load average {os.getloadavg()}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
