from django.core.management.base import BaseCommand

from programmes.loading.loader import LoadError, load_catalogue
from programmes.loading.outcome import add_fixtures_argument, load_and_report


class Command(BaseCommand):
    help = (
        "Load the whole catalogue from the fixtures in one transaction, verifying every cited "
        "passage against its source text; on any error nothing changes."
    )

    def add_arguments(self, parser):
        add_fixtures_argument(parser)

    def handle(self, *args, fixtures, **options):
        load_and_report(self, load_catalogue, LoadError, fixtures)
