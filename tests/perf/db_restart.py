"""Database faults: restart, then stop, PostgreSQL under a serving catalogue and a client loop.

    .venv/bin/python tests/perf/db_restart.py [--database-url postgres://postgres@127.0.0.1:5432/NAME]
    .venv/bin/python tests/perf/db_restart.py --pgdata DIR --down 20 \
        --database-url postgres://postgres@127.0.0.1:5499/NAME    # a server of one's own

Serves the catalogue on PostgreSQL the way production does (`manage.py serve`, psycopg pool with
health checks) and keeps a few clients requesting pages throughout. After a quiet spell it
restarts PostgreSQL (pg_ctlcluster ... restart), then later stops it for a few seconds and starts
it again. It reports which requests failed and when, whether the site recovered by itself (the
app is never restarted), and how quickly pages answered 503 while PostgreSQL was down. Other
processes using this PostgreSQL are disturbed for a few seconds; `--pgdata DIR` restarts and
stops instead the server of that data folder (`pg_ctl`, run as the folder's owner, on the URL's
port), leaving the machine's cluster alone. Not part of the test suite.
"""

import argparse
import os
import secrets
import statistics
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench import free_port
from load import serve, stop

PAGES = ["/", "/projects/", "/cities/dalian/", "/projects.json", "/search/?q=water"]
CLIENTS = 4


def cluster():
    version = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(x) for x in v.split(".")])
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version[-1], "main"]


OWN = {}  # with --pgdata: "data" (the folder) and "port"


def own_server(action):
    import pwd
    import shutil

    version = sorted(os.listdir("/usr/lib/postgresql"), key=int)[-1]
    pg_ctl = shutil.which("pg_ctl") or f"/usr/lib/postgresql/{version}/bin/pg_ctl"
    command = [pg_ctl, "-D", OWN["data"], "-w", "-l", f"{OWN['data']}/log",
               "-o", f"-p {OWN['port']} -k /tmp", action]  # fmt: skip
    owner = pwd.getpwuid(os.stat(OWN["data"]).st_uid).pw_name
    if os.geteuid() == 0 and owner != "root":
        command = ["runuser", "-u", owner, "--", *command]
    return command


def pg(action):
    began = time.monotonic()
    command = own_server(action) if OWN else [*cluster(), action]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return began, time.monotonic()


def pg_ready():
    port = ["-p", str(OWN["port"])] if OWN else []
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q", *port]).returncode == 0


class Clients:
    def __init__(self, base):
        self.base, self.results, self.running = base, [], True
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.loop, args=(i,)) for i in range(CLIENTS)]

    def loop(self, n):
        i = n
        while self.running:
            path = PAGES[i % len(PAGES)]
            i += 1
            began = time.monotonic()
            try:
                with urllib.request.urlopen(self.base + path, timeout=30) as response:
                    status = response.status
                    response.read()
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError as error:
                status = f"socket error: {error}"
            with self.lock:
                self.results.append((began, time.monotonic(), status, path))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.running = False
        for thread in self.threads:
            thread.join()

    def between(self, start, end):
        return [r for r in self.results if start <= r[0] < end]


def summary(results):
    counts = {}
    for r in results:
        counts[r[2]] = counts.get(r[2], 0) + 1
    return ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=str)) or "none"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/catalogue_hardening_faults"
    )
    parser.add_argument("--down", type=float, default=5, help="seconds PostgreSQL stays stopped")
    parser.add_argument("--pgdata", help="the data folder of a PostgreSQL server of one's own")
    parser.add_argument("--uncached", action="store_true", help="page cache off: every page reads")
    args = parser.parse_args()
    name = args.database_url.rsplit("/", 1)[1]
    port = urllib.parse.urlsplit(args.database_url).port or 5432
    if args.pgdata:
        OWN.update(data=args.pgdata, port=port)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", name],
                   capture_output=True)  # fmt: skip
    env = {
        **os.environ,
        "CATALOGUE_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": args.database_url,
        # One worker per client: a 503's time is the database wait, not a queue behind others.
        "WEB_CONCURRENCY": str(CLIENTS),
        "CACHE_PAGES": "0" if args.uncached else "1",
    }
    env.pop("DEBUG", None)
    log_path = Path("/tmp") / f"{name}-server.log"
    with open(log_path, "w") as log:
        process, base = serve(env, free_port(), log)
        try:
            with Clients(base) as clients:
                t0 = time.monotonic()
                time.sleep(5)
                restart = pg("restart")
                time.sleep(8)
                down = pg("stop")
                time.sleep(args.down)
                up = pg("start")
                time.sleep(8)
                t_end = time.monotonic()
        finally:
            if not pg_ready():
                pg("start")
            stop(process)
    report(clients, t0, restart, down, up, t_end, log_path)


def report(clients, t0, restart, down, up, t_end, log_path):
    def at(t):
        return f"{t - t0:5.2f} s"

    before = clients.between(t0, restart[0])
    print(
        f"{CLIENTS} clients cycling {', '.join(PAGES)}; gunicorn {CLIENTS} workers, never restarted"
    )
    print(f"before the restart (0-{at(restart[0])}): {len(before)} requests: {summary(before)}")

    window = clients.between(restart[0], down[0])
    failed = [r for r in window if r[2] != 200]
    print(
        f"PostgreSQL restart from {at(restart[0])} to {at(restart[1])} "
        f"({restart[1] - restart[0]:.2f} s)"
    )
    print(f"  requests from the restart to the stop: {len(window)}: {summary(window)}")
    for began, ended, status, path in failed:
        print(f"  failed: {path} sent at {at(began)}, answered at {at(ended)}: {status}")
    after = [r for r in window if r[0] > restart[1]]
    late = [r for r in after if r[2] != 200]
    ok_after = [r for r in after if r[2] == 200]
    first_ok = min((r[1] for r in ok_after), default=None)
    print(
        f"  sent after the restart completed: {len(after)}, failed: {len(late)}; first 200 at "
        f"{at(first_ok) if first_ok else 'never'}"
    )

    stopped = [r for r in clients.between(down[1], up[0]) if r[1] < up[0]]
    waits = [r[1] - r[0] for r in stopped]
    print(f"PostgreSQL stopped from {at(down[0])}, started again at {at(up[0])}-{at(up[1])}")
    if waits:
        print(
            f"  sent and answered while stopped: {len(stopped)}: {summary(stopped)}; answered in "
            f"median {statistics.median(waits):.2f} s, max {max(waits):.2f} s"
        )
    recovery = clients.between(up[1], t_end)
    first_ok = min((r[1] for r in recovery if r[2] == 200), default=None)
    settled = [r for r in recovery if first_ok and r[0] > first_ok]
    print(
        f"  after the start: {len(recovery)} requests: {summary(recovery)}; first 200 at "
        f"{at(first_ok) if first_ok else 'never'}; failures after it: "
        f"{sum(1 for r in settled if r[2] != 200)}"
    )
    print(f"PostgreSQL running again: {pg_ready()}; server log: {log_path}")


if __name__ == "__main__":
    main()
