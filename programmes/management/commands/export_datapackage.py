"""Write the catalogue as a Frictionless Data Package: `datapackage.json`, one CSV per table and
the release's `CITATION.cff`."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from programmes.loading import datapackage
from programmes.models import CatalogueVersion


class Command(BaseCommand):
    help = "Write datapackage.json, data/*.csv and CITATION.cff of the loaded catalogue into DIR."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="where to write the package (created if need be)")

    def handle(self, *args, directory, **options):
        version = CatalogueVersion.objects.current()
        if version is None:
            raise CommandError("no catalogue is loaded: run manage.py load_catalogue first")
        files = datapackage.build(version, settings.SITE_URL.rstrip("/"))
        root = Path(directory)
        for name, body in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
        self.stdout.write(
            f"Wrote catalogue version {version.version[:12]}: {len(files) - 2} tables, "
            f"{root / 'datapackage.json'} and {root / 'CITATION.cff'}"
        )
