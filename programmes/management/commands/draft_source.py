import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from programmes.loading.curation import CurationError
from programmes.loading.drafting import draft
from programmes.models import Source


class Command(BaseCommand):
    help = (
        "Write the fixture skeleton of a new source's text, without a database: its SHA-256, "
        "every sentence with its number and offsets (split as the loader splits them), a stub "
        "record citing each sentence, and the allowed values of every field. Save it in "
        "fixtures/records/ and fill it in until check_fixtures is clean."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument(
            "file", help="the source's text (UTF-8), best already in fixtures/sources/"
        )
        parser.add_argument("--slug", help="the source's slug (default: from the title or file)")
        parser.add_argument("--language", default="en", help="its language (ja, zh, en…)")
        parser.add_argument("--title")
        parser.add_argument("--kind", choices=Source.Kind.values)
        parser.add_argument("--author", help="speaker or author")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(self, *args, file, slug, language, title, kind, author, output, **options):
        if not Path(file).is_file():
            raise CommandError(f"no file {file}")
        try:
            document = draft(file, slug, language, title=title, kind=kind, author=author)
        except CurationError as exc:
            raise CommandError(str(exc)) from None
        text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
        if output:
            Path(output).write_text(text, encoding="utf-8")
            sentences = len(document["draft"]["sentences"])
            self.stderr.write(f"Wrote {output}: {sentences} sentences, one stub record each")
        else:
            self.stdout.write(text, ending="")
        if Path(file).resolve().parent.name != "sources":
            self.stderr.write(f"Copy {file} into fixtures/sources/: the fixture names it there")
