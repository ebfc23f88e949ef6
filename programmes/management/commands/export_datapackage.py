"""Write the catalogue as a Frictionless Data Package: `datapackage.json`, one CSV per table and
the release's `CITATION.cff`; with `--citation FILE`, also the repository's CITATION.cff."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from programmes.loading import datapackage, releases
from programmes.loading.dump import dump_catalogue
from programmes.models import CatalogueVersion


class Command(BaseCommand):
    help = "Write datapackage.json, data/*.csv and CITATION.cff of the loaded catalogue into DIR."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="where to write the package (created if need be)")
        parser.add_argument(
            "--citation",
            metavar="FILE",
            help="also write the citation without a site's address and date (the repository's "
            "CITATION.cff) to FILE",
        )

    def handle(self, *args, directory, citation=None, **options):
        version = CatalogueVersion.objects.current()
        if version is None:
            raise CommandError("no catalogue is loaded: run manage.py load_catalogue first")
        release = releases.of(version)
        dump = dump_catalogue(version)
        files = datapackage.build(release, settings.SITE_URL.rstrip("/"), dump)
        root = Path(directory)
        for name, body in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(body)
        self.stdout.write(
            f"Wrote catalogue version {version.version[:12]}: {len(files) - 2} tables, "
            f"{root / 'datapackage.json'} and {root / 'CITATION.cff'}"
        )
        if citation:
            Path(citation).write_text(datapackage.citation_cff(release, dump), encoding="utf-8")
            self.stdout.write(f"Wrote the repository's citation to {citation}")
