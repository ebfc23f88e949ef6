import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from programmes.loading.outcome import add_fixtures_argument
from programmes.loading.reading import fixture_files
from programmes.loading.shorthand import FORMAT, compact, dumps


class Command(BaseCommand):
    help = (
        f'Rewrite the fixture files in the shorthand ("format": {FORMAT}, see '
        "programmes/loading/shorthand.py): the same records, evidence and passages, so the same "
        "catalogue and version. Files already in it are left as they are."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        add_fixtures_argument(parser)

    def handle(self, *args, fixtures, **options):
        for path in fixture_files(Path(fixtures) / "records"):
            raw = path.read_bytes()
            try:
                doc = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as exc:
                raise CommandError(f"{path}: not valid JSON: {exc}") from None
            if isinstance(doc, dict) and doc.get("format") == FORMAT:
                self.stdout.write(f"{path.name}: already in format {FORMAT}")
                continue
            text = dumps(compact(doc))
            path.write_text(text, encoding="utf-8")
            self.stdout.write(f"{path.name}: {len(raw)} -> {len(text.encode())} bytes")
