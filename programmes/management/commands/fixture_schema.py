from pathlib import Path

from django.core.management.base import BaseCommand

from programmes.loading.schema import schema_text


class Command(BaseCommand):
    help = (
        "Write the JSON Schema of the fixture format, generated from the models and the registry "
        "of kinds (the project keeps it as fixtures/fixture.schema.json)."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, output, **options):
        text = schema_text()
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {output}")
        else:
            self.stdout.write(text, ending="")
