import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from programmes.loading import summaries
from programmes.models import CatalogueVersion, ListSummary


class Command(BaseCommand):
    help = (
        "Bring the configured database's catalogue up to date without reloading it: apply the "
        "migrations (new indexes), then compute its lists' summaries again (facet counts, "
        "charts, the map), replacing the stored ones, in one transaction."
    )

    def handle(self, *args, **options):
        call_command("migrate", interactive=False, verbosity=0)
        version = CatalogueVersion.objects.current()
        if version is None:
            raise CommandError("no catalogue is loaded: nothing to summarise")
        began = time.monotonic()
        with transaction.atomic():
            ListSummary.objects.filter(version=version).delete()
            rows = summaries.write(version)
        self.stdout.write(
            f"{len(rows)} summaries of {version.version[:12]} in {time.monotonic() - began:.1f} s"
        )
