import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from catalogue.sqlite import lift_time_limit
from programmes.loading import download_files, summaries
from programmes.models import CatalogueVersion, ListSummary


class Command(BaseCommand):
    help = (
        "Bring the configured database's catalogue up to date without reloading it: apply the "
        "migrations (new indexes), vacuum it on PostgreSQL, compute its lists' summaries again "
        "(facet counts, charts, the map), replacing the stored ones, in one transaction, then "
        "write the lists' whole CSVs that are not written yet."
    )

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        version = CatalogueVersion.objects.current()
        if version is None:
            raise CommandError("no catalogue is loaded: nothing to summarise")
        began = time.monotonic()
        if connection.vendor == "postgresql":
            # The visibility map lets counts read indexes alone (a city's projects on /cities/);
            # autovacuum sets it in time, this at once (outside any transaction).
            with connection.cursor() as cursor:
                # Counting a million rows may outlast the site's statement timeout.
                cursor.execute("SET statement_timeout = 0")
                if not connection.in_atomic_block:  # VACUUM runs in no transaction
                    cursor.execute("VACUUM (ANALYZE)")
        with lift_time_limit(connection), transaction.atomic():
            ListSummary.objects.filter(version=version).delete()
            rows = summaries.write(version)
        self.stdout.write(
            f"{len(rows)} summaries of {version.version[:12]} in {time.monotonic() - began:.1f} s"
        )
        took = download_files.write_lists(version)
        if took:
            self.stdout.write(
                f"{len(took)} list downloads written in {sum(took.values()):.1f} s "
                f"({download_files.downloads_root()})"
            )
