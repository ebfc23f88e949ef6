"""What the commands that load or check a catalogue share: the fixtures folder they read, a
database migrated before they write to it, the version they load kept as a release (in the same
transaction: `loading.releases`), and what `load_catalogue` and `load_dump` say when done."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from . import releases


def add_fixtures_argument(parser):
    parser.add_argument(
        "--fixtures",
        default=str(settings.FIXTURES_DIR),
        help="fixtures folder (default: the project's fixtures/)",
    )


def migrate_first(stderr, using=DEFAULT_DB_ALIAS):
    """Apply the migrations a database lacks (a fresh checkout's has no tables), saying so in
    one line, so that loading never stops at "no such table"."""
    try:
        executor = MigrationExecutor(connections[using])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        raise CommandError(f"cannot read the database: {exc}".strip()) from None
    if plan:
        stderr.write(f"The database lacks {len(plan)} migration(s): migrating it first.")
        call_command("migrate", database=using, interactive=False, verbosity=0)


def not_loaded(exc):
    return CommandError(f"catalogue not loaded, database unchanged: {exc}")


def loaded(version):
    counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in version.counts.items())
    return f"Loaded catalogue version {version.version[:12]}: {counts}"


def load_and_report(command, load, error, *args):
    """A loading command's run: the database migrated first, `load(*args)` in its one
    transaction with the version kept as a release, then what was loaded, or, on `error`, that
    nothing changed and why."""
    migrate_first(command.stderr)
    try:
        with transaction.atomic():
            version = load(*args)
            releases.record(version)
    except error as exc:
        raise not_loaded(exc) from None
    command.stdout.write(loaded(version))
