import json

from django.core.management.base import BaseCommand, CommandError

from programmes.loading.curation import CurationError, locate, read_text, resolve_source
from programmes.loading.outcome import add_fixtures_argument


class Command(BaseCommand):
    help = (
        "Find a quote in a source (its slug, a file of fixtures/sources/ or a text file's path) "
        "without a database: its start and end offsets in code points, every occurrence, and "
        "the shortest prefix that picks each out; if it is nowhere, the nearest passage and "
        "where the two differ (exits non-zero)."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("source", help="a source's slug, or a text file")
        parser.add_argument("quote", help="the words as they stand in the source")
        parser.add_argument("--json", action="store_true", help="print the answer as JSON")
        add_fixtures_argument(parser)

    def handle(self, *args, source, quote, json, fixtures, **options):
        try:
            path = resolve_source(fixtures, source)
            found = locate(read_text(path), quote)
        except CurationError as exc:
            raise CommandError(str(exc)) from None
        if json:
            self.stdout.write(_json({"source": source, "file": str(path), **found}))
        else:
            self.stdout.write(f"{source} ({path}, {found['length']} code points)")
            for line in describe(found):
                self.stdout.write(line)
        if found["nearest"] is not None:
            raise CommandError(f"the quote is not in {source}")


def _json(data):
    return json.dumps(data, ensure_ascii=False, indent=1)


def describe(found):
    """The lines a curator reads: where the quote is and how to cite it, or how it differs."""
    occurrences, quote = found["occurrences"], found["quote"]
    if len(occurrences) == 1:
        (only,) = occurrences
        yield f"start {only['start']}, end {only['end']} (code points, end exclusive){_in(only)}"
        yield "occurs once: cite it as it is"
        return
    if occurrences:
        yield f"occurs {len(occurrences)} times:"
        for o in occurrences:
            if o["prefix"] is None:
                pick, how = {"quote": quote, "occurrence": o["occurrence"]}, "no prefix picks it"
            else:
                pick = {"quote": quote, "prefix": o["prefix"]}
                how = f"shortest prefix {o['prefix']!r}"
            yield (
                f"  {o['occurrence']}. start {o['start']}, end {o['end']}{_in(o)}; {how}: "
                f"{json.dumps(pick, ensure_ascii=False)}"
            )
        return
    near = found["nearest"]
    yield "not found; nearest passage:"
    yield f"  start {near['start']}, end {near['end']}{_in(near)}: {near['passage']!r}"
    for d in near["differences"]:
        yield (
            f"  at {d['start']}–{d['end']}: the source has {d['source']!r} where the quote has "
            f"{d['quote']!r}"
        )


def _in(place):
    return f", in sentence {place['sentence']}" if place["sentence"] else ""
