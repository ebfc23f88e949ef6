"""Each searched record's `search_text`, and on PostgreSQL a GIN index on its vector in place of
0003's index on the vector of the record's own fields.

`/search/` and a list's `q` now match one column per record (its own words, the names of the
records it names and its classifications in words, written by every load), so the indexed
expression no longer changes when a kind's searched fields do. The passage and source indexes of
0003 stay. A catalogue already loaded has its search text written here by the loader's own code
of this day; a later load writes it again.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
import importlib

from django.db import DatabaseError, migrations, models, transaction

CONFIG = "english"
INITIAL = importlib.import_module("programmes.migrations.0003_search_indexes")

# model, the index 0003 made on its own fields, the index on its search text
SEARCHED = (
    ("city", "city_search_idx", "city_search_text_idx"),
    ("partner", "partner_search_idx", "partner_search_text_idx"),
    ("person", "person_search_idx", "person_search_text_idx"),
    ("programme", "programme_search_idx", "programme_search_text_idx"),
    ("award", "award_search_idx", "award_search_text_idx"),
    ("fundedproject", "project_search_idx", "project_search_text_idx"),
    ("milestone", "milestone_search_idx", "milestone_search_text_idx"),
    ("statement", "statement_search_idx", "statement_search_text_idx"),
)


def _swap(apps, schema_editor, forwards):
    if schema_editor.connection.vendor != "postgresql":
        return
    own_fields = {name: fields for _m, name, fields in INITIAL.SEARCH_INDEXES}
    for model_name, old, new in SEARCHED:
        model = apps.get_model("programmes", model_name)
        before = GinIndex(SearchVector(*own_fields[old], config=CONFIG), name=old)
        after = GinIndex(SearchVector("search_text", config=CONFIG), name=new)
        if forwards:
            schema_editor.remove_index(model, before)
            schema_editor.add_index(model, after)
        else:
            schema_editor.remove_index(model, after)
            schema_editor.add_index(model, before)


def add_indexes(apps, schema_editor):
    _swap(apps, schema_editor, forwards=True)


def remove_indexes(apps, schema_editor):
    _swap(apps, schema_editor, forwards=False)


def write_search_text(apps, schema_editor):
    """The search text of a catalogue already loaded (none on a new database)."""
    alias = schema_editor.connection.alias
    if not apps.get_model("programmes", "CatalogueVersion").objects.using(alias).exists():
        return
    from programmes.loading import search_text

    try:
        with transaction.atomic(using=alias):
            search_text.write(alias)
    except DatabaseError:
        return  # the next load writes it
    if schema_editor.connection.vendor == "sqlite":
        # Adding the columns rebuilt SQLite's tables, and their statistics with them: without
        # them the planner reads a list's whole table (a load runs ANALYZE as it ends).
        schema_editor.execute("ANALYZE")


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0004_milestone_participations"),
    ]

    operations = [
        *(
            migrations.AddField(
                model_name=model_name,
                name="search_text",
                field=models.TextField(default="", editable=False),
            )
            for model_name, _old, _new in SEARCHED
        ),
        migrations.RunPython(add_indexes, remove_indexes),
        migrations.RunPython(write_search_text, migrations.RunPython.noop),
    ]
