"""What the commands that load or check a catalogue share: the fixtures folder they read, and
what `load_catalogue` and `load_dump` say when done."""

from django.conf import settings
from django.core.management.base import CommandError


def add_fixtures_argument(parser):
    parser.add_argument(
        "--fixtures",
        default=str(settings.FIXTURES_DIR),
        help="fixtures folder (default: the project's fixtures/)",
    )


def not_loaded(exc):
    return CommandError(f"catalogue not loaded, database unchanged: {exc}")


def loaded(version):
    counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in version.counts.items())
    return f"Loaded catalogue version {version.version[:12]}: {counts}"
