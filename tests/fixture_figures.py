"""Figures read from the fixtures, for tests whose expected numbers must follow the sources a
curator adds rather than be typed in."""

import json

from django.conf import settings

from programmes.loading.shorthand import expand


def full_form(path):
    """A fixture file in its full form (shorthand expanded): what a test that changes one
    value of a fixture edits, so that the change means what it says."""
    return expand(json.loads(path.read_text(encoding="utf-8")))


def fixture_records(model):
    """Every record of `model` ("milestone") the fixture files define (not those that extend
    one defined elsewhere)."""
    found = []
    for path in sorted((settings.FIXTURES_DIR / "records").glob("*.json")):
        doc = full_form(path)
        found += [r for r in doc["records"] if r["model"] == model and not r.get("extend")]
    return found


def fixture_participants(model):
    """Record slug -> every participant the fixture files give a `model` record ("programme"),
    those a source adds to a record of another among them."""
    found = {}
    for path in sorted((settings.FIXTURES_DIR / "records").glob("*.json")):
        for record in full_form(path)["records"]:
            if record["model"] == model:
                found.setdefault(record["slug"], []).extend(record.get("participants", []))
    return found
