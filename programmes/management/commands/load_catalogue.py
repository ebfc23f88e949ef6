from django.core.management.base import BaseCommand

from programmes.loading.loader import LoadError, load_catalogue
from programmes.loading.outcome import add_fixtures_argument, loaded, migrate_first, not_loaded


class Command(BaseCommand):
    help = (
        "Load the whole catalogue from the fixtures in one transaction, verifying every cited "
        "passage against its source text; on any error nothing changes."
    )

    def add_arguments(self, parser):
        add_fixtures_argument(parser)

    def handle(self, *args, fixtures, **options):
        migrate_first(self.stderr)
        try:
            version = load_catalogue(fixtures)
        except LoadError as exc:
            raise not_loaded(exc) from None
        self.stdout.write(loaded(version))
