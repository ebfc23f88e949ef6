"""The loader writes in bulk and lets the database check what it enforces anyway, so a load takes
a bounded number of queries; a record the database refuses is still named in the error."""

import json
import shutil

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programmes.models import CatalogueVersion, FundedProject
from tests.fixture_figures import full_form

pytestmark = pytest.mark.django_db

SPEECH = "records/000_dalian_speech_2003.json"
PROJECT = "pharmaceutical-environmental-protection-business-phase-1"


def test_it_checks_no_reference_with_a_query_and_links_records_in_bulk():
    with CaptureQueriesContext(connection) as captured:
        call_command("load_catalogue", verbosity=0)
    queries = [q["sql"] for q in captured.captured_queries]
    # No query per foreign key (SELECT 1 … LIMIT 1) or per named constraint (SELECT 1 AS _check).
    assert not [sql for sql in queries if "LIMIT 1" in sql or '"_check"' in sql]
    # One INSERT per many-to-many table (at most a few batches), not one per record.
    throughs = {
        field.remote_field.through._meta.db_table
        for model in apps.get_app_config("programmes").get_models()
        for field in model._meta.local_many_to_many
    }
    link_inserts = [sql for sql in queries if any(f'INSERT INTO "{t}" ' in sql for t in throughs)]
    assert 0 < len(link_inserts) <= len(throughs)
    assert FundedProject.objects.get(slug=PROJECT).funders.count() == 1


def test_a_record_the_database_refuses_is_named_and_nothing_changes(tmp_path):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(settings.FIXTURES_DIR, fixtures)
    path = fixtures / SPEECH
    doc = full_form(path)
    for record in doc["records"]:
        if record.get("slug") == PROJECT:
            record.update(start_year=2005, end_year=2001)  # the period's end before its start
            record["evidence"].update(
                start_year={"interpreted": "a broken period", "from": record["cite"][:1]},
                end_year={"interpreted": "a broken period", "from": record["cite"][:1]},
            )
    path.write_text(json.dumps(doc, ensure_ascii=False))
    version = CatalogueVersion.objects.get()

    with pytest.raises(CommandError) as excinfo:
        call_command("load_catalogue", fixtures=str(fixtures), verbosity=0)

    message = str(excinfo.value)
    assert "fixtures/" + SPEECH in message
    assert f"project '{PROJECT}'" in message
    assert "violates a constraint" in message
    assert CatalogueVersion.objects.get() == version
    assert FundedProject.objects.get(slug=PROJECT).start_year is None
