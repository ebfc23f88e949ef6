"""Slow and idle clients against the production server: can they starve a normal visitor?

    .venv/bin/python tests/perf/slow_clients.py [--duration 10] [--hostile 200]
    .venv/bin/python tests/perf/slow_clients.py --servers granian,gunicorn-sync,gunicorn-gthread

Needs wrk (Debian: apt-get install -y wrk). Prepares a temporary SQLite catalogue with production
settings, then for each server design: a normal client (wrk, 2 threads, 8 connections, a warm
page) is measured alone, then again while `--hostile` connections are held open, half of them
sending nothing after connecting and half trickling a request's header one byte every half
second. Reports each design's throughput and p99 in both runs and the ratio between them; the
designs are measured one after the other in the same run, so the ratios compare alike. `granian`
is what `manage.py serve` runs; the others are there to compare against. Not part of the test
suite (pytest collects only test_*.py).
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--hostile", type=int, default=200, help="slow connections held open")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--servers", default="granian,gunicorn-gthread,gunicorn-sync")
    args = parser.parse_args()
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
