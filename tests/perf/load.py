"""Load test: the production server under 64 concurrent connections for 60 seconds.

    .venv/bin/python tests/perf/load.py [--duration 60] [--connections 64] [--workers 4]
    .venv/bin/python tests/perf/load.py --database-url postgres://postgres@127.0.0.1:5432/NAME

Needs wrk (Debian: apt-get install -y wrk). Serves the catalogue the way production does
(`manage.py serve`: migrate, load, collectstatic, gunicorn; CATALOGUE_ENV=production, DEBUG off) on
a free loopback port, from a temporary SQLite file unless --database-url is given, checks that
every URL of the mix answers 200, then drives the mix with wrk and reports throughput, p50/p99
latency and the count of answers by status; any answer other than 2xx/3xx fails the run. Not part
of the test suite (pytest collects only test_*.py).
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

from bench import free_port, production_env, stop_server, wait_until_serving

ROOT = Path(__file__).resolve().parents[2]

# What visitors and crawlers ask for: lists, filtered lists, records, the reader, data, search.
MIX = [
    "/",
    "/cities/",
    "/cities/dalian/",
    "/programmes/",
    "/programmes/model-city-yen-loan-programme/",
    "/projects/",
    "/projects/?sector=14022",
    "/projects/?city=dalian&sort=-amount",
    "/projects/water-supply-project/",
    "/projects.json",
    "/projects.csv",
    "/partners/",
    "/partners/?kind=municipal-government",
    "/awards/",
    "/awards/global-500-award-2001/",
    "/milestones/",
    "/milestones.json",
    "/sources/",
    "/search/?q=sewage",
    "/search.json?q=water",
]

LUA = """
local paths = {%s}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) counter = math.random(#paths); statuses = {} end
function request()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1])
end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do totals[status] = (totals[status] or 0) + n end
  end
  local e = summary.errors
  io.write(string.format("LOAD %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout))
  for status, n in pairs(totals) do io.write(string.format("STATUS %%d %%d\\n", status, n)) end
end
"""


def serve(env, port, log):
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    wait_until_serving(process, base + "/", log)
    return process, base


stop = stop_server


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk (Debian/Ubuntu)")

    tmp = Path(tempfile.mkdtemp(prefix="catalogue-load-"))
    env = production_env(
        args.database_url or f"sqlite:///{tmp}/catalogue.sqlite3",
        WEB_CONCURRENCY=str(args.workers),
    )
    script = tmp / "mix.lua"
    script.write_text(LUA % ", ".join(f'"{path}"' for path in MIX))
    with open(tmp / "server.log", "w") as log:
        process, base = serve(env, free_port(), log)
        try:
            for path in MIX:
                with urllib.request.urlopen(base + path, timeout=10) as response:
                    assert response.status == 200, (path, response.status)
            command = [
                "wrk", "-t", str(args.threads), "-c", str(args.connections),
                "-d", f"{args.duration}s", "--timeout", "10s", "-s", str(script), base,
            ]  # fmt: skip
            print("$", " ".join(command), flush=True)
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        finally:
            stop(process)
    report(out, args)
    lines = (tmp / "server.log").read_text().count("\n")
    print(f"server log: {lines} lines (one access line per request) in {tmp / 'server.log'}")


def report(out, args):
    load = next(x for x in out.splitlines() if x.startswith("LOAD "))
    requests, micros, p50, p99, worst, socket_errors = map(int, load.split()[1:])
    statuses = dict(
        tuple(map(int, x.split()[1:])) for x in out.splitlines() if x.startswith("STATUS ")
    )
    bad = sum(n for status, n in statuses.items() if not 200 <= status < 400)
    print(
        f"{args.connections} connections, {args.duration} s, {args.workers} gunicorn workers, "
        f"{len(MIX)} URLs in rotation"
    )
    print(f"requests:   {requests} ({requests / (micros / 1e6):.0f} req/s)")
    print(
        f"latency:    p50 {p50 / 1000:.1f} ms, p99 {p99 / 1000:.1f} ms, max {worst / 1000:.1f} ms"
    )
    print(f"statuses:   {', '.join(f'{s}: {n}' for s, n in sorted(statuses.items()))}")
    print(f"non-2xx/3xx answers: {bad}; socket errors: {socket_errors}")
    if bad or socket_errors:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
