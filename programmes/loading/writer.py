"""The one way a load ends: the catalogue replaced in one transaction, or nothing changed.

`load_catalogue` (the fixtures), `load_dump` (a dump) and `synthesize` (a synthetic catalogue)
differ only in how they fill the tables. `replace` deletes what is there, in the order the
registry's tables allow (each table before the ones it refers to), lets `fill` insert the new
rows, resets the id sequences so that a later insert does not collide with a loaded id, writes
the records' search text, records the catalogue version with its counts, stores the lists'
summaries and, once committed, writes the lists' download files.
"""

from django.core.management.color import no_style
from django.db import connections, transaction
from django.db.models import AutoField
from django.utils import timezone

from ..kinds import counts, tables
from ..models import CatalogueVersion
from . import download_files, search_text, summaries


def delete_order():
    """Every table of the catalogue, each before the tables it refers to: the versions (and the
    summaries that belong to them) first, then the registry's tables in reverse creation order."""
    return [CatalogueVersion, *reversed(tables().values())]


def reset_sequences(using="default"):
    """Set each table's id sequence (PostgreSQL) or AUTOINCREMENT counter (SQLite, for which
    Django writes no reset) to its highest id: the next row inserted takes the next id."""
    connection = connections[using]
    models = list(tables().values())
    if connection.vendor == "sqlite":
        quote = connection.ops.quote_name
        statements = [
            f"UPDATE sqlite_sequence SET seq = (SELECT COALESCE(MAX({quote(m._meta.pk.column)}), 0)"
            f" FROM {quote(m._meta.db_table)}) WHERE name = '{m._meta.db_table}'"
            for m in models
            if isinstance(m._meta.pk, AutoField)
        ]
    else:
        statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def replace(fill, using="default", report=None):
    """Replace the catalogue in `using` with the rows `fill()` inserts, in one transaction.

    `fill` returns the name of the version it wrote; raising rolls everything back. `report` is
    told how long the download files took (default: the log). Returns the CatalogueVersion."""
    with transaction.atomic(using=using):
        for model in delete_order():
            model.objects.using(using).all().delete()
        name = fill()
        reset_sequences(using)
        search_text.write(using)
        version = CatalogueVersion.objects.using(using).create(
            version=name, loaded_at=timezone.now(), counts=counts(using)
        )
        summaries.write(version, using=using)
        download_files.write_after_commit(version, using=using, report=report)
    return version
