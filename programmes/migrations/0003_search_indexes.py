"""GIN indexes on the full-text vectors `/search/` matches on PostgreSQL (`programmes.search`).

Each index is on exactly the expression the search's query filters with: `to_tsvector('english',
...)` of a kind's `search_fields` as `SearchVector` joins them, of a passage's quote and of a
source's text. The planner uses an expression index only for the same expression, so a change to
a kind's `search_fields` needs a migration that indexes the new expression (tests/test_search.py
EXPLAINs the queries and fails when one scans its table instead). SQLite has no such index: the
search matches there with LIKE, and this migration does nothing.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

CONFIG = "english"

# model, index name, the fields its vector joins (in the order `search_fields` gives them)
SEARCH_INDEXES = (
    ("city", "city_search_idx", ("name", "native_name", "region")),
    ("partner", "partner_search_idx", ("name", "acronym")),
    ("person", "person_search_idx", ("name", "role")),
    ("programme", "programme_search_idx", ("name", "summary")),
    ("award", "award_search_idx", ("name", "year_as_stated")),
    ("fundedproject", "project_search_idx", ("title", "phase", "status_as_stated")),
    ("milestone", "milestone_search_idx", ("title", "description")),
    ("statement", "statement_search_idx", ("summary",)),
    ("passage", "passage_search_idx", ("quote",)),
    ("source", "source_search_idx", ("text",)),
)


def _indexes(apps):
    for model_name, name, fields in SEARCH_INDEXES:
        model = apps.get_model("programmes", model_name)
        yield model, GinIndex(SearchVector(*fields, config=CONFIG), name=name)


def add_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _indexes(apps):
        schema_editor.add_index(model, index)


def remove_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for model, index in _indexes(apps):
        schema_editor.remove_index(model, index)


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0002_list_indexes"),
    ]

    operations = [
        migrations.RunPython(add_search_indexes, remove_search_indexes),
    ]
