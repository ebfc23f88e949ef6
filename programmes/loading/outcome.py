"""What the commands that load a catalogue (`load_catalogue`, `load_dump`) say when done."""

from django.core.management.base import CommandError


def not_loaded(exc):
    return CommandError(f"catalogue not loaded, database unchanged: {exc}")


def loaded(version):
    counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in version.counts.items())
    return f"Loaded catalogue version {version.version[:12]}: {counts}"
