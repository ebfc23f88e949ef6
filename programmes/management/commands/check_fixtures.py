from django.core.management.base import BaseCommand, CommandError

from programmes.loading.loader import check_fixtures
from programmes.loading.outcome import add_fixtures_argument


class Command(BaseCommand):
    help = (
        "Check the fixtures without touching the database: every quote, every value's evidence, "
        "every 'as stated' wording and every sentence's coverage. Prints every problem with its "
        "file, record and field; exits non-zero if there is any."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        add_fixtures_argument(parser)

    def handle(self, *args, fixtures, **options):
        problems = check_fixtures(fixtures)
        for problem in problems:
            self.stdout.write(str(problem))
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {fixtures}")
        self.stdout.write("Fixtures OK: every value has evidence, every sentence is accounted for.")
