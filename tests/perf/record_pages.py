"""CPU time and queries of each kind of record page, rendered in this process.

    DATABASE_URL=sqlite:////tmp/100k.sqlite3 .venv/bin/python tests/perf/record_pages.py
    .venv/bin/python tests/perf/record_pages.py --profile /sources/…/   # cProfile of one page

Each page is requested through django.test.Client with the page and facet caches off, once to
warm the templates, then `--repeat` times: `time.process_time()` of the request (this process's
CPU, which other load on the machine falsifies less than wall time), the wall time, the queries and
their own time, and the size of the page. On a synthetic catalogue it picks the record of each kind
with the most related rows (the largest city, programme, partner and source).
"""

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catalogue.settings")
os.environ["CACHE_PAGES"] = "0"
os.environ["CACHE_FACETS"] = "0"


def largest_records():
    """The record of each kind whose page has the most to show."""
    from django.db.models import Count

    from programmes import models

    def most(queryset, field):
        record = queryset.annotate(n=Count(field)).order_by("-n", "pk").first()
        return record.get_absolute_url() if record else None

    first = {
        kind: model.objects.order_by("pk").first()
        for kind, model in (
            ("person", models.Person),
            ("award", models.Award),
            ("project", models.FundedProject),
            ("milestone", models.Milestone),
            ("statement", models.Statement),
        )
    }
    urls = {
        "city": most(models.City.objects.all(), "funded_projects"),
        "programme": most(models.Programme.objects.all(), "funded_projects"),
        "partner": most(models.Partner.objects.all(), "funded_projects"),
        "source": most(models.Source.objects.defer("text"), "passages"),
    }
    urls.update({kind: r.get_absolute_url() for kind, r in first.items() if r})
    return {kind: url for kind, url in urls.items() if url}


def measure(client, url, repeat, slowest=0):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    cpu, wall = [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as queries:
            started, ticked = time.process_time(), time.perf_counter()
            response = client.get(url)
            cpu.append(time.process_time() - started)
            wall.append(time.perf_counter() - ticked)
        assert response.status_code == 200, (url, response.status_code)
    sql = sum(float(q["time"]) for q in queries.captured_queries)
    for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:slowest]:
        print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:300]}")
    return {
        "cpu": statistics.median(cpu),
        "wall": statistics.median(wall),
        "queries": len(queries),
        "sql": sql,
        "kb": len(response.content) / 1024,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("urls", nargs="*", help="pages to measure (default: one of each kind)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile each page once")
    parser.add_argument("--slowest", type=int, default=0, help="print N slowest queries")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    client = Client(headers={"host": "127.0.0.1"})
    urls = {url: url for url in args.urls} or largest_records()
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}, load average {os.getloadavg()}")
    print(f"{settings.DATABASES['default']['ENGINE']} {settings.DATABASES['default']['NAME']}")
    for name, url in urls.items():
        if args.profile:
            client.get(url)
            profile = cProfile.Profile()
            profile.runcall(client.get, url)
            print(f"--- {url}")
            stats = pstats.Stats(profile)
            stats.sort_stats("cumulative").print_stats(40)
            stats.sort_stats("tottime").print_stats(25)
            continue
        try:
            m = measure(client, url, args.repeat, args.slowest)
        except Exception as exc:  # a page over the statement timeout, say
            print(f"{name:10} failed: {type(exc).__name__}: {str(exc).splitlines()[0]}  {url}")
            continue
        print(
            f"{name:10} {m['cpu'] * 1000:8.1f} ms CPU {m['wall'] * 1000:8.1f} ms wall "
            f"{m['queries']:3} queries {m['sql'] * 1000:7.1f} ms SQL {m['kb']:7.0f} KB  {url}",
            flush=True,
        )
    print(f"done {time.strftime('%H:%M')}, load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
