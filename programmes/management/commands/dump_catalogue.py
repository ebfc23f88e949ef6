import json
import sys

from django.core.management.base import BaseCommand

from programmes.loading.dump import dump_catalogue


class Command(BaseCommand):
    help = (
        "Write the whole catalogue (sources with their text, passages, every record with its "
        "citations, participations, sectors) as one JSON document; load it with load_dump."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, output, **options):
        data = dump_catalogue()
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, indent=1)
                fh.write("\n")
            self.stderr.write(f"Wrote catalogue version {data['catalogue_version']} to {output}")
        else:
            json.dump(data, sys.stdout, ensure_ascii=False, indent=1)
            sys.stdout.write("\n")
