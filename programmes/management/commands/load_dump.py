import json

from django.core.management.base import BaseCommand, CommandError

from programmes.loading.dump import DumpError, load_dump
from programmes.loading.outcome import load_and_report


class Command(BaseCommand):
    help = (
        "Replace the catalogue with one written by dump_catalogue (or downloaded from "
        "/catalogue.json), in one transaction; on any error nothing changes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="a catalogue dump (JSON)")

    def handle(self, *args, file, **options):
        try:
            with open(file, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from None
        load_and_report(self, load_dump, DumpError, data)
