"""Django's `migrate`, ending on a damaged SQLite file with one line naming it and what to do,
not a traceback."""

from django.core.management.base import CommandError
from django.core.management.commands import migrate

from ...outages import damaged_database_message, database_damaged


class Command(migrate.Command):
    def execute(self, *args, **options):
        # execute, not handle: the system checks, run before handle, read the database first.
        try:
            return super().execute(*args, **options)
        except Exception as exc:
            if not database_damaged(exc):
                raise
            message = damaged_database_message(options["database"], "manage.py migrate")
            raise CommandError(message) from exc
